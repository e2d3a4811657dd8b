/** HTTP routing of the Kubernetes REST API onto the store, with the journal and request faults. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import yaml from 'js-yaml';
import type { Controllers } from './controllers.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.js';
import { ApiError, badRequest, notFound } from './errors.js';
import type { RequestFaults } from './faults.js';
import type { OpenApiCatalog } from './openapi.js';
import { applyJsonPatch, applyMergePatch, applyServerSideApply, applyStrategicMergePatch, PatchError } from './patch.js';
import { establishedStatus } from './seed-objects.js';
import { answerReview, type AccessRule } from './reviews.js';
import { scaleOf, sendLogs } from './subresources.js';
import { decodeKubernetesProtobuf, isKubernetesProtobuf, UnsupportedProtobufKind } from './protobuf.js';
import { groupVersionOf, type ResourceRegistry, type ResourceType } from './resources.js';
import { objectFilter, SelectorError } from './selectors.js';
import type { Store } from './store.js';
import { renderTable, wantsTable } from './table.js';
import type { JournalEntry, KubeObject } from './types.js';
import type { WatchHub } from './watch.js';

export type { AccessRule } from './reviews.js';

export interface ApiContext {
  registry: ResourceRegistry;
  store: Store;
  openapi: OpenApiCatalog;
  watches: WatchHub;
  controllers: Controllers;
  faults: RequestFaults;
  journal: JournalEntry[];
  token?: string;
  /** Client certificates signed by the configured CA authenticate (the TLS layer verified them). */
  clientCertificates: boolean;
  deniedAccess: AccessRule[];
  rejectWatchList: boolean;
  serverAddress: () => string;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.code, error.toStatus());
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function decodeBody(body: Buffer, contentType: string): Obj {
  if (body.length === 0) return {};
  if (contentType.includes('protobuf') || isKubernetesProtobuf(body)) {
    try {
      return decodeKubernetesProtobuf(body);
    } catch (error) {
      if (error instanceof UnsupportedProtobufKind) throw new ApiError(415, 'UnsupportedMediaType', error.message);
      throw badRequest(`unable to decode protobuf body: ${(error as Error).message}`);
    }
  }
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as Obj;
  } catch {
    if (contentType.includes('yaml')) {
      try {
        return (yaml.load(text) ?? {}) as Obj;
      } catch (error) {
        throw badRequest(`error decoding YAML: ${(error as Error).message}`);
      }
    }
    throw badRequest(`couldn't get version/kind; json parse error: invalid character in body`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export class ApiHandler {
  constructor(private readonly ctx: ApiContext) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kube-sim');
    const query = Object.fromEntries(url.searchParams.entries());
    const method = (req.method ?? 'GET').toUpperCase();
    const contentType = String(req.headers['content-type'] ?? '');
    const entry: JournalEntry = {
      method,
      path: url.pathname,
      query,
      contentType: contentType || undefined,
      userAgent: req.headers['user-agent'],
      status: 0,
      time: new Date().toISOString(),
      changedState: false,
      dryRun: query.dryRun === 'All',
      watch: query.watch === 'true' || query.watch === '1',
    };
    this.ctx.journal.push(entry);
    const record = () => {
      if (entry.status === 0) entry.status = res.statusCode;
    };
    res.on('finish', record);
    res.on('close', record);
    try {
      if (!this.authenticated(req)) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      const fault = this.ctx.faults.take(method, `${url.pathname}${url.search}`);
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.status) {
        const reason = fault.status === 500 ? 'InternalError' : fault.status === 503 ? 'ServiceUnavailable' : fault.status === 429 ? 'TooManyRequests' : 'SimulatedFault';
        const prefix = fault.status === 500 ? 'Internal error occurred: ' : '';
        throw new ApiError(fault.status, reason, `${prefix}simulated fault for ${method} ${url.pathname} (kube-sim)`);
      }
      const body = method === 'GET' ? Buffer.alloc(0) : await readBody(req);
      const before = this.ctx.store.mutations;
      this.route(method, url.pathname, query, body, contentType, String(req.headers.accept ?? ''), res, entry);
      entry.changedState = this.ctx.store.mutations > before;
    } catch (error) {
      if (error instanceof ApiError) sendError(res, error);
      else if (error instanceof PatchError) sendError(res, new ApiError(error.code, error.code === 422 ? 'Invalid' : 'BadRequest', error.message));
      else if (error instanceof SelectorError) sendError(res, badRequest(error.message));
      else sendError(res, new ApiError(500, 'InternalError', `kube-sim internal error: ${(error as Error).message}`));
    }
  }

  private authenticated(req: IncomingMessage): boolean {
    const { token, clientCertificates } = this.ctx;
    if (!token && !clientCertificates) return true;
    if (token && req.headers.authorization === `Bearer ${token}`) return true;
    return clientCertificates && (req.socket as TLSSocket).authorized === true;
  }

  private route(method: string, path: string, query: Record<string, string>, body: Buffer, contentType: string, accept: string, res: ServerResponse, entry: JournalEntry): void {
    const { registry } = this.ctx;
    const segments = path.split('/').filter(Boolean);
    if (method === 'GET') {
      if (path === '/version') return sendJson(res, 200, SERVER_VERSION);
      if (path === '/api') return sendJson(res, 200, apiVersions(this.ctx.serverAddress()));
      if (path === '/apis') return sendJson(res, 200, apiGroupList(registry));
      if (['/healthz', '/livez', '/readyz'].includes(path)) {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      }
      if (path === '/openapi/v3') return sendJson(res, 200, this.ctx.openapi.root());
      if (segments[0] === 'openapi' && segments[1] === 'v3') {
        const doc = this.ctx.openapi.document(segments.slice(2).join('/'));
        if (doc) return sendJson(res, 200, doc);
      }
      if (segments[0] === 'api' && segments.length === 2) {
        const list = apiResourceList(registry, segments[1]!);
        if (list) return sendJson(res, 200, list);
      }
      if (segments[0] === 'apis' && segments.length === 2) {
        const group = apiGroup(registry, segments[1]!);
        if (group) return sendJson(res, 200, group);
      }
      if (segments[0] === 'apis' && segments.length === 3) {
        const list = apiResourceList(registry, `${segments[1]}/${segments[2]}`);
        if (list) return sendJson(res, 200, list);
      }
    }
    const target = this.resolve(segments);
    if (!target) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (target.type.createOnly) {
      if (method !== 'POST') throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      return sendJson(res, 201, answerReview(target.type, decodeBody(body, contentType), this.ctx.deniedAccess));
    }
    switch (method) {
      case 'GET':
        return this.get(target, query, accept, res);
      case 'POST':
        return this.create(target, query, decodeBody(body, contentType), res);
      case 'PUT':
        return this.replace(target, query, decodeBody(body, contentType), res);
      case 'PATCH':
        return this.patch(target, query, body, contentType, res);
      case 'DELETE': {
        const options = body.length ? decodeBody(body, contentType) : {};
        if ((options.dryRun ?? []).includes('All')) entry.dryRun = true;
        return this.remove(target, query, options, res);
      }
      default:
        throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }

  private resolve(segments: string[]): Target | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api' && segments.length >= 3) {
      group = '';
      version = segments[1]!;
      rest = segments.slice(2);
    } else if (segments[0] === 'apis' && segments.length >= 4) {
      group = segments[1]!;
      version = segments[2]!;
      rest = segments.slice(3);
    } else {
      return undefined;
    }
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const type = this.ctx.registry.find(group, version, rest[2]!);
      if (type?.namespaced) return { type, namespace: rest[1], name: rest[3], subresource: rest[4] };
    }
    const type = this.ctx.registry.find(group, version, rest[0]!);
    if (!type) return undefined;
    return { type, name: rest[1], subresource: rest[2] };
  }

  private get(target: Target, query: Record<string, string>, accept: string, res: ServerResponse): void {
    const { store } = this.ctx;
    const { type, namespace, name, subresource } = target;
    if (!name) {
      const filter = objectFilter(query.labelSelector, query.fieldSelector);
      if (query.watch === 'true' || query.watch === '1') {
        if (query.sendInitialEvents === 'true' && this.ctx.rejectWatchList) {
          throw new ApiError(422, 'Invalid', 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled');
        }
        this.ctx.watches.serve(
          {
            type,
            namespace,
            filter,
            resourceVersion: query.resourceVersion,
            sendInitialEvents: query.sendInitialEvents === 'true',
            allowBookmarks: query.allowWatchBookmarks === 'true',
            timeoutSeconds: query.timeoutSeconds ? Number(query.timeoutSeconds) : undefined,
          },
          res,
          () => undefined,
        );
        return;
      }
      const items = store.list(type, namespace, filter);
      const resourceVersion = String(store.currentResourceVersion());
      if (wantsTable(accept)) return sendJson(res, 200, renderTable(type.kind, items, resourceVersion, query.includeObject));
      return sendJson(res, 200, { kind: `${type.kind}List`, apiVersion: groupVersionOf(type), metadata: { resourceVersion }, items });
    }
    const object = store.get(type, namespace, name);
    if (!object) throw notFound(type.group, type.plural, name);
    if (subresource === 'log' && type.kind === 'Pod') return sendLogs(this.ctx.controllers.pods, object, query, res);
    if (subresource === 'scale') return sendJson(res, 200, scaleOf(object));
    if (wantsTable(accept)) return sendJson(res, 200, renderTable(type.kind, [object], object.metadata.resourceVersion ?? '', query.includeObject));
    sendJson(res, 200, object);
  }

  /** Writes through the scale subresource: only spec.replicas of the Scale reaches the object. */
  private writeScale(target: Target, scale: Obj, dryRun: boolean): object {
    const { type, namespace, name } = target;
    const existing = this.ctx.store.get(type, namespace, name!);
    if (!existing) throw notFound(type.group, type.plural, name!);
    const replicas = scale.spec?.replicas;
    if (typeof replicas !== 'number' || replicas < 0) throw new ApiError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`);
    existing.spec = { ...(existing.spec ?? {}), replicas };
    return scaleOf(this.ctx.store.update(type, existing, { dryRun }));
  }

  private checkNamespace(target: Target, object: Obj): void {
    if (!target.type.namespaced) return;
    object.metadata ??= {};
    if (object.metadata.namespace && target.namespace && object.metadata.namespace !== target.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    object.metadata.namespace = target.namespace;
  }

  private checkKind(target: Target, object: Obj): void {
    if (object.kind && object.kind !== target.type.kind) {
      throw badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${groupVersionOf(target.type)}) or kind ${object.kind} is not ${target.type.kind}`);
    }
  }

  private create(target: Target, query: Record<string, string>, object: Obj, res: ServerResponse): void {
    if (target.name) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    this.checkKind(target, object);
    this.checkNamespace(target, object);
    const created = this.ctx.store.create(target.type, object as KubeObject, { dryRun: query.dryRun === 'All' });
    if (target.type.kind === 'CustomResourceDefinition' && query.dryRun !== 'All') this.establishCrd(created);
    sendJson(res, 201, created);
  }

  private establishCrd(crd: KubeObject): void {
    const spec = crd.spec ?? {};
    for (const version of spec.versions ?? []) {
      if (version.served === false) continue;
      const type = this.ctx.registry.addCrd({
        group: spec.group,
        version: version.name,
        kind: spec.names?.kind,
        plural: spec.names?.plural,
        namespaced: spec.scope !== 'Cluster',
        shortNames: spec.names?.shortNames,
      });
      this.ctx.store.register(type);
    }
    this.ctx.store.update(this.ctx.registry.byKind('apiextensions.k8s.io/v1', 'CustomResourceDefinition')!, { ...crd, status: establishedStatus(crd) }, { subresource: 'status' });
  }

  private replace(target: Target, query: Record<string, string>, object: Obj, res: ServerResponse): void {
    if (!target.name) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    this.checkKind(target, object);
    this.checkNamespace(target, object);
    object.metadata ??= {};
    if (object.metadata.name && object.metadata.name !== target.name) throw badRequest('the name of the object does not match the name on the URL');
    object.metadata.name = target.name;
    if (target.subresource === 'scale') return sendJson(res, 200, this.writeScale(target, object, query.dryRun === 'All'));
    const updated = this.ctx.store.update(target.type, object as KubeObject, { dryRun: query.dryRun === 'All', subresource: target.subresource });
    sendJson(res, 200, updated);
  }

  private patch(target: Target, query: Record<string, string>, body: Buffer, contentType: string, res: ServerResponse): void {
    const { store } = this.ctx;
    const { type, namespace, name, subresource } = target;
    if (!name) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const dryRun = query.dryRun === 'All';
    const mediaType = contentType.split(';')[0]!.trim();
    const text = body.toString('utf8');
    const existing = store.get(type, namespace, name);

    if (mediaType === 'application/apply-patch+yaml') {
      const manager = query.fieldManager;
      if (!manager) throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      const applied = decodeBody(body, 'yaml');
      this.checkKind(target, applied);
      this.checkNamespace(target, applied);
      applied.metadata ??= {};
      if (applied.metadata.name && applied.metadata.name !== name) throw badRequest('the name of the object does not match the name on the URL');
      applied.metadata.name = name;
      if (!existing) {
        const created = store.create(type, applied as KubeObject, { dryRun });
        if (!dryRun) store.rememberAppliedConfig(type, namespace, name, manager, applied);
        if (type.kind === 'CustomResourceDefinition' && !dryRun) this.establishCrd(created);
        return sendJson(res, 201, created);
      }
      const previous = store.appliedConfig(type, namespace, name, manager);
      const merged = applyServerSideApply(existing, previous, applied, type.builtIn) as Obj;
      merged.metadata.resourceVersion = applied.metadata.resourceVersion ?? existing.metadata.resourceVersion;
      const updated = store.update(type, merged as KubeObject, { dryRun, subresource });
      if (!dryRun) store.rememberAppliedConfig(type, namespace, name, manager, applied);
      return sendJson(res, 200, updated);
    }

    if (!existing) throw notFound(type.group, type.plural, name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw badRequest('error decoding patch: invalid JSON');
    }
    const base: unknown = subresource === 'scale' ? scaleOf(existing) : existing;
    let result: unknown;
    if (mediaType === 'application/json-patch+json') {
      if (!Array.isArray(parsed)) throw badRequest('json patch must be a list of operations');
      result = applyJsonPatch(base, parsed as Array<Record<string, unknown>>);
    } else if (mediaType === 'application/merge-patch+json') {
      result = applyMergePatch(base, parsed);
    } else if (mediaType === 'application/strategic-merge-patch+json') {
      if (!type.builtIn) {
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
        );
      }
      result = applyStrategicMergePatch(base, parsed);
    } else {
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
    }
    const object = result as Obj;
    if (subresource === 'scale') return sendJson(res, 200, this.writeScale(target, object, dryRun));
    object.metadata ??= {};
    object.metadata.name = name;
    if (type.namespaced) object.metadata.namespace = namespace;
    const updated = store.update(type, object as KubeObject, { dryRun, subresource });
    sendJson(res, 200, updated);
  }

  private remove(target: Target, query: Record<string, string>, options: Obj, res: ServerResponse): void {
    const { store } = this.ctx;
    const { type, namespace, name } = target;
    const dryRun = query.dryRun === 'All' || (options.dryRun ?? []).includes('All');
    const propagationPolicy = query.propagationPolicy ?? options.propagationPolicy ?? (options.orphanDependents ? 'Orphan' : undefined);
    if (!name) {
      const filter = objectFilter(query.labelSelector, query.fieldSelector);
      const items = store.list(type, namespace, filter).map((o) => store.delete(type, o.metadata.namespace, o.metadata.name!, { dryRun, propagationPolicy }));
      return sendJson(res, 200, { kind: `${type.kind}List`, apiVersion: groupVersionOf(type), metadata: { resourceVersion: String(store.currentResourceVersion()) }, items });
    }
    const deleted = store.delete(type, namespace, name, { dryRun, propagationPolicy, preconditionUid: options.preconditions?.uid });
    if (type.kind === 'Pod' && !dryRun) this.ctx.controllers.pods.forget(deleted.metadata.uid!);
    sendJson(res, 200, deleted);
  }

}
