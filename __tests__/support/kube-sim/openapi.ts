/**
 * OpenAPI v3 documents: one PATCH operation per kind carrying x-kubernetes-group-version-kind and a
 * fieldValidation parameter, which is what kubectl and Helm check before sending
 * fieldValidation=Strict. Strategic merge is left out of the request body types on purpose, so
 * kubectl falls back to its built-in merge rules for native kinds.
 */
import { createHash } from 'node:crypto';
import { groupVersionOf, type ResourceRegistry, type ResourceType } from './resources.js';

function openApiPathKey(groupVersion: string): string {
  return groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

function itemPath(type: ResourceType): string {
  const prefix = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  return type.namespaced ? `${prefix}/namespaces/{namespace}/${type.plural}/{name}` : `${prefix}/${type.plural}/{name}`;
}

function schemaName(type: ResourceType): string {
  const group = type.group || 'core';
  return `io.k8s.sim.${group}.${type.version}.${type.kind}`;
}

function queryParam(name: string): object {
  return { name, in: 'query', schema: { type: 'string', uniqueItems: true } };
}

function gvDocument(registry: ResourceRegistry, groupVersion: string): object {
  const types = registry.all().filter((t) => groupVersionOf(t) === groupVersion && !t.createOnly);
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  for (const type of types) {
    const gvk = { group: type.group, version: type.version, kind: type.kind };
    const ref = { $ref: `#/components/schemas/${schemaName(type)}` };
    const body = (types: string[]) => ({ content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'object' } }])), required: true });
    paths[itemPath(type)] = {
      get: {
        operationId: `read${type.kind}`,
        responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
        'x-kubernetes-action': 'get',
        'x-kubernetes-group-version-kind': gvk,
      },
      patch: {
        operationId: `patch${type.kind}`,
        requestBody: body(['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']),
        responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
        // kubectl and Helm look for fieldValidation among the PATCH operation's own parameters.
        parameters: [queryParam('dryRun'), queryParam('fieldManager'), queryParam('fieldValidation'), queryParam('force')],
      },
    };
    schemas[schemaName(type)] = {
      type: 'object',
      description: `${type.kind} (simulated: fields are not described)`,
      'x-kubernetes-group-version-kind': [gvk],
      'x-kubernetes-preserve-unknown-fields': true,
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.34.0' },
    paths,
    components: { schemas },
  };
}

export class OpenApiCatalog {
  constructor(private readonly registry: ResourceRegistry) {}

  private hash(groupVersion: string): string {
    const text = JSON.stringify(gvDocument(this.registry, groupVersion));
    return `h${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
  }

  root(): object {
    const paths: Record<string, object> = {};
    for (const gv of this.registry.groupVersions()) {
      const key = openApiPathKey(gv);
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${this.hash(gv)}` };
    }
    return { paths };
  }

  /** `path` is what follows /openapi/v3/, e.g. `api/v1` or `apis/apps/v1`. */
  document(path: string): object | undefined {
    const gv = path.startsWith('apis/') ? path.slice(5) : path.startsWith('api/') ? path.slice(4) : undefined;
    if (!gv || !this.registry.groupVersions().includes(gv)) return undefined;
    return gvDocument(this.registry, gv);
  }
}
