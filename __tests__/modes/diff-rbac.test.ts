import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorsOf } from '../charts/chart-matrix.js';
import { HELM_VERSIONS, startDeployEnvironment, type DeployEnvironment } from '../support/deploy-environment.js';
import type { JournalEntry } from '../support/kube-sim/types.js';
import { projectRoot, runAction } from '../support/run-action.js';

/**
 * The least-privilege Role docs/drift.md gives for a read-only `mode: diff`: every request a diff
 * makes (real helm 4 and 3, real kubectl, on kube-sim's request journal) must be allowed by it,
 * evaluated as the API server's RBAC authorizer does (plugin/pkg/auth/authorizer/rbac/rbac.go:
 * apiGroups, resources, verbs, resourceNames), and none may write.
 */
let environment: DeployEnvironment;
beforeAll(async () => {
  environment = await startDeployEnvironment();
});
afterAll(async () => {
  await environment?.close();
});

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface RbacObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
}

/** The RBAC objects of the first yaml block under "Least privilege for `mode: diff`" in docs/drift.md. */
function documentedRbac(): RbacObject[] {
  const doc = readFileSync(join(projectRoot, 'docs', 'drift.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Least privilege for `mode: diff`'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block, 'docs/drift.md has the Role as a yaml block').toBeDefined();
  return yaml.loadAll(block!) as RbacObject[];
}

/**
 * Paths every authenticated user may GET under Kubernetes' default ClusterRoles system:discovery and
 * system:public-info-viewer (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go).
 */
const DISCOVERY = [/^\/api$/, /^\/api\/v1$/, /^\/apis$/, /^\/apis\/[^/]+$/, /^\/apis\/[^/]+\/[^/]+$/, /^\/version\/?$/, /^\/openapi(\/.*)?$/];

interface ResourceRequest {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
}

/** The attributes the API server's request-info resolver gives a request (k8s.io/apiserver pkg/endpoints/request/requestinfo.go). */
function resourceRequest(entry: JournalEntry): ResourceRequest | undefined {
  const parts = entry.path.split('/').filter(Boolean);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length > 2) [group, rest] = ['', parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length > 3) [group, rest] = [parts[1]!, parts.slice(3)];
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 2) [namespace, rest] = [rest[1], rest.slice(2)];
  const [resource, name, subresource] = rest;
  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: name ? 'delete' : 'deletecollection' };
  const verb = entry.method === 'GET' || entry.method === 'HEAD' ? (name ? 'get' : entry.watch ? 'watch' : 'list') : verbs[entry.method]!;
  return { verb, group, resource: subresource ? `${resource}/${subresource}` : resource!, namespace, name };
}

function allows(rules: Rule[], request: ResourceRequest): boolean {
  return rules.some(
    (rule) =>
      (rule.apiGroups ?? []).some((g) => g === '*' || g === request.group) &&
      (rule.resources ?? []).some((r) => r === '*' || r === request.resource) &&
      rule.verbs.some((v) => v === '*' || v === request.verb) &&
      (!rule.resourceNames || (request.name !== undefined && rule.resourceNames.includes(request.name))),
  );
}

describe('the documented Role for a read-only diff', () => {
  for (const [helmName, helmVersion] of HELM_VERSIONS) {
    it(`allows every request of a diff with ${helmName}, and the diff writes nothing`, async () => {
      const rbac = documentedRbac();
      const role = rbac.find((o) => o.kind === 'Role')!;
      const clusterRole = rbac.find((o) => o.kind === 'ClusterRole')!;
      expect(rbac.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')).toHaveLength(2);

      const { sim, kubeconfig } = await environment.cluster();
      const inputs = (extra: Record<string, string> = {}) => environment.inputs(kubeconfig, { 'helm-version': helmVersion, ...extra });
      const deployed = await runAction(inputs(), { toolCache: environment.toolCache });
      expect(deployed.exitCode, errorsOf(deployed)).toBe(0);
      const from = sim.journal.length;
      const writes = sim.writes().length;
      // A change to report, so that every comparison runs to the end.
      const diff = await runAction(inputs({ mode: 'diff', replicas: '2' }), { toolCache: environment.toolCache });
      expect(diff.exitCode, errorsOf(diff)).toBe(0);
      expect(diff.outputs.drifted).toBe('true');
      expect(sim.writes().length).toBe(writes);

      const denied: string[] = [];
      const seen = new Set<string>();
      for (const entry of sim.journal.slice(from)) {
        const request = resourceRequest(entry);
        if (!request) {
          if (!DISCOVERY.some((pattern) => pattern.test(entry.path))) denied.push(`${entry.method} ${entry.path} (not a discovery path)`);
          continue;
        }
        seen.add(`${request.verb} ${request.group || 'core'}/${request.resource}`);
        const ok = request.namespace ? request.namespace === role.metadata.namespace && allows(role.rules ?? [], request) : allows(clusterRole.rules ?? [], request);
        if (!ok) denied.push(`${entry.method} ${entry.path}: ${request.verb} ${request.group || 'core'}/${request.resource}${request.name ? ` ${request.name}` : ''}`);
      }
      expect(denied).toEqual([]);
      // What the doc says the diff needs, it needs: Helm lists its records, the rest is read by name.
      expect([...seen].sort()).toEqual(
        expect.arrayContaining(['list core/secrets', 'get core/secrets', 'get core/configmaps', 'get apps/deployments', 'get core/persistentvolumes', 'get networking.istio.io/virtualservices']),
      );
      expect([...seen].filter((s) => !/^(get|list) /.test(s))).toEqual([]);
    });
  }
});
