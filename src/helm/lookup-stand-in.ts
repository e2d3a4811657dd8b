import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { KubeApi } from '../kube/api-client.js';

/**
 * What answers a chart's `lookup`s while `helm template --dry-run=server` renders it: an HTTP
 * server on 127.0.0.1 for the render's lifetime, behind a random path only helm is given.
 *
 * Render mode has no cluster, yet the Harbor charts read Secrets with `lookup` while they render:
 * 1.13–1.18 dereference the Redis Secret's data unguarded, so a plain `helm template` fails
 * ("nil pointer evaluating interface {}.REDIS_PASSWORD"), and 1.19 renders an empty password
 * where the cluster would put the real one. There the stand-in answers the Secrets the action
 * manages, each value replaced by a marker naming where the cluster's value comes from, so the
 * render is what the chart renders on a cluster and the markers show which values the cluster
 * fills in. It serves what helm's `lookup` and capability discovery ask for (client-go
 * discovery, legacy documents) and nothing else: any other path is 404, "absent" to `lookup`.
 *
 * diff and the in-sync check render against the cluster itself; the stand-in then passes helm's
 * reads on through the action's API client and keeps each answer, so a render costs one round
 * trip per object it looks up instead of two per `lookup` over a fresh connection.
 */
export interface StandInSecret {
  name: string;
  keys: string[];
}

/**
 * The marker a value from the cluster is replaced by. Its characters survive every function the
 * charts apply (b64dec, trim, urlquery), and `~` appears in no Secret name or key.
 */
export function clusterValueMarker(secret: string, key: string): string {
  return `from-cluster~${secret}~${key}`;
}

/** The Kubernetes version the stand-in reports: only `.Capabilities.KubeVersion` reads it (ingress apiVersion before 1.19). */
const STAND_IN_VERSION = { major: '1', minor: '34', gitVersion: 'v1.34.0', platform: 'linux/amd64' };

/**
 * The kinds a rendered object may have: Helm 4 maps every object of a server-side render through
 * discovery and refuses a kind the server does not list. The built-in kinds Harbor's charts (and
 * a values override) render, and the two CRD kinds they render on request: Gateway API's HTTPRoute
 * (`expose: route`) and the Prometheus operator's ServiceMonitor (`metrics.serviceMonitor`). The
 * stand-in is a cluster that has both, so a preview shows whatever the inputs ask for.
 */
const GROUPS: Record<string, Array<[resource: string, kind: string, namespaced: boolean]>> = {
  v1: [
    ['configmaps', 'ConfigMap', true],
    ['secrets', 'Secret', true],
    ['services', 'Service', true],
    ['persistentvolumeclaims', 'PersistentVolumeClaim', true],
    ['persistentvolumes', 'PersistentVolume', false],
    ['pods', 'Pod', true],
    ['namespaces', 'Namespace', false],
    ['serviceaccounts', 'ServiceAccount', true],
  ],
  'apps/v1': [
    ['deployments', 'Deployment', true],
    ['statefulsets', 'StatefulSet', true],
    ['daemonsets', 'DaemonSet', true],
  ],
  'batch/v1': [
    ['jobs', 'Job', true],
    ['cronjobs', 'CronJob', true],
  ],
  'networking.k8s.io/v1': [
    ['ingresses', 'Ingress', true],
    ['networkpolicies', 'NetworkPolicy', true],
  ],
  'policy/v1': [['poddisruptionbudgets', 'PodDisruptionBudget', true]],
  'rbac.authorization.k8s.io/v1': [
    ['roles', 'Role', true],
    ['rolebindings', 'RoleBinding', true],
    ['clusterroles', 'ClusterRole', false],
    ['clusterrolebindings', 'ClusterRoleBinding', false],
  ],
  'autoscaling/v2': [['horizontalpodautoscalers', 'HorizontalPodAutoscaler', true]],
  'gateway.networking.k8s.io/v1': [['httproutes', 'HTTPRoute', true]],
  'monitoring.coreos.com/v1': [['servicemonitors', 'ServiceMonitor', true]],
};

export interface LookupStandIn {
  /** A kubeconfig pointing helm at the stand-in. */
  kubeconfig: string;
  /** Reads answered, and how many of them went to the cluster (with a cluster source). */
  reads(): { answered: number; fromCluster: number };
  close(): Promise<void>;
}

/**
 * Who answers: markers for the action's own Secrets (render mode, no cluster), or the cluster
 * itself through the API client's warm connections, each answer kept for the stand-in's lifetime
 * (diff and the in-sync check: a render reads discovery and the Secrets it looks up, and helm
 * asks for the same discovery again before every `lookup`; two renders share one set of reads).
 */
export type LookupSource = { markers: StandInSecret[] } | { cluster: KubeApi; prefetch?: string[] };

export async function startLookupStandIn(namespace: string, source: LookupSource, directory: string): Promise<LookupStandIn> {
  const byName = new Map(('markers' in source ? source.markers : []).map((secret) => [secret.name, secret]));
  const cache = new Map<string, Promise<{ status: number; contentType: string; body: Buffer }>>();
  const counts = { answered: 0, fromCluster: 0 };
  const fetchOnce = (apiPath: string) => {
    let pending = cache.get(apiPath);
    if (!pending && 'cluster' in source) {
      counts.fromCluster += 1;
      pending = source.cluster.raw(apiPath);
      cache.set(apiPath, pending);
    }
    return pending!;
  };
  if ('cluster' in source) prefetch(fetchOnce, source.prefetch ?? []);
  // Only helm, which gets the kubeconfig, knows the path: nothing else on the runner can read through it.
  const prefix = `/${randomBytes(16).toString('hex')}`;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
    if (!path.startsWith(`${prefix}/`)) {
      response.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify(status(403, 'Forbidden', 'not this stand-in\'s path')));
      return;
    }
    counts.answered += 1;
    const apiPath = path.slice(prefix.length);
    if ('markers' in source || request.method !== 'GET' || !READ_THROUGH.some((pattern) => pattern.test(apiPath))) {
      answer(request, response, apiPath, namespace, byName);
      return;
    }
    fetchOnce(apiPath).then(
      (reply) => response.writeHead(reply.status, { 'Content-Type': reply.contentType || 'application/json' }).end(reply.body),
      (error: unknown) => response.writeHead(503, { 'Content-Type': 'application/json' }).end(JSON.stringify(status(503, 'ServiceUnavailable', error instanceof Error ? error.message : String(error)))),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
  const kubeconfig = join(directory, 'lookup-stand-in.kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'stand-in', cluster: { server: url } }],
    users: [{ name: 'stand-in', user: {} }],
    contexts: [{ name: 'stand-in', context: { cluster: 'stand-in', user: 'stand-in', namespace } }],
    'current-context': 'stand-in',
  };
  writeFileSync(kubeconfig, yaml.dump(config), { mode: 0o600 });
  return {
    kubeconfig,
    reads: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts, side by side, the reads a render makes one after another: discovery (the group list,
 * then every group version) and the objects the caller expects the chart to look up. Each read
 * is then waiting in the cache when helm asks, instead of costing a round trip in sequence.
 */
function prefetch(fetchOnce: (path: string) => Promise<{ status: number; body: Buffer }>, objects: string[]): void {
  const ignore = () => undefined;
  for (const path of ['/version', '/api', '/api/v1', ...objects]) fetchOnce(path).catch(ignore);
  fetchOnce('/apis').then((reply) => {
    if (reply.status !== 200) return;
    const groups = (JSON.parse(reply.body.toString('utf8')) as { groups?: { versions?: { groupVersion: string }[] }[] }).groups ?? [];
    for (const version of groups.flatMap((group) => group.versions ?? [])) fetchOnce(`/apis/${version.groupVersion}`).catch(ignore);
  }, ignore);
}

/**
 * What a render reads from a cluster: the version, discovery, and single objects (`lookup`).
 * Lists, watches and everything else are not read through.
 */
const READ_THROUGH = [
  /^\/version$/,
  /^\/api$/,
  /^\/apis$/,
  /^\/api\/v1$/,
  /^\/apis\/[^/]+\/[^/]+$/,
  /^\/api\/v1\/namespaces\/[^/]+\/[^/]+\/[^/]+$/,
  /^\/apis\/[^/]+\/[^/]+\/namespaces\/[^/]+\/[^/]+\/[^/]+$/,
];

function answer(request: IncomingMessage, response: ServerResponse, path: string, namespace: string, secrets: Map<string, StandInSecret>): void {
  const send = (status: number, body: object) => {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  if (request.method !== 'GET') return send(405, status(405, 'MethodNotAllowed', 'the lookup stand-in only answers reads'));
  if (path === '/version') return send(200, STAND_IN_VERSION);
  if (path === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'] });
  if (path === '/apis') {
    const groups = Object.keys(GROUPS)
      .filter((groupVersion) => groupVersion.includes('/'))
      .map((groupVersion) => {
        const [group, version] = groupVersion.split('/') as [string, string];
        const entry = { groupVersion, version };
        return { name: group, versions: [entry], preferredVersion: entry };
      });
    return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
  }
  const groupVersion = path === '/api/v1' ? 'v1' : /^\/apis\/([^/]+\/[^/]+)$/.exec(path)?.[1];
  if (groupVersion && GROUPS[groupVersion]) {
    const resources = GROUPS[groupVersion]!.map(([name, kind, namespaced]) => ({ name, singularName: '', namespaced, kind, verbs: ['get', 'list'] }));
    return send(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources });
  }
  const secretPath = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(path);
  const secret = secretPath && secretPath[1] === namespace ? secrets.get(decodeURIComponent(secretPath[2]!)) : undefined;
  if (secret) {
    const data = Object.fromEntries(secret.keys.map((key) => [key, Buffer.from(clusterValueMarker(secret.name, key)).toString('base64')]));
    return send(200, { kind: 'Secret', apiVersion: 'v1', metadata: { name: secret.name, namespace }, type: 'Opaque', data });
  }
  return send(404, status(404, 'NotFound', `${path} is not known to the lookup stand-in`));
}

function status(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code };
}
