/**
 * The store, patch and watch semantics the real clients rely on, checked over HTTP: the parts that
 * the helm/kubectl suites exercise only indirectly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('kube-sim API semantics', () => {
  let sim: KubeSim;

  async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Obj }> {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Obj };
  }

  /** Reads watch events until `enough` says so, then closes the stream. */
  async function watch(path: string, trigger: () => Promise<void>, enough: (events: Obj[]) => boolean): Promise<Obj[]> {
    const controller = new AbortController();
    const response = await fetch(`${sim.url}${path}`, { signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const events: Obj[] = [];
    let buffer = '';
    await trigger();
    const deadline = Date.now() + 10_000;
    while (!enough(events)) {
      if (Date.now() > deadline) throw new Error(`watch ${path} got only ${JSON.stringify(events.map((e) => e.type))}`);
      const { value, done } = await reader.read();
      if (done) break;
      buffer += Buffer.from(value).toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buffer.slice(0, newline)) as Obj);
        buffer = buffer.slice(newline + 1);
      }
    }
    controller.abort();
    return events;
  }

  const configMap = (name: string, labels: Record<string, string>, data: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });

  beforeAll(async () => {
    sim = await startKubeSim({ podReadyDelayMs: 50, eventHistoryLimit: 100 });
    expect((await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sem' } })).status).toBe(201);
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('refuses a create in a missing namespace with the API server wording', async () => {
    const result = await call('POST', '/api/v1/namespaces/nope/configmaps', configMap('x', {}));
    expect(result.status).toBe(404);
    expect(result.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'namespaces "nope" not found', code: 404 });
  });

  it('keeps resourceVersion on a no-op update and rejects a stale resourceVersion; PUT without one wins', async () => {
    // A Service: no controller writes to it, so resourceVersions move only with this test's writes.
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gen', namespace: 'sem' }, spec: { selector: { app: 'gen' }, ports: [{ port: 80 }] } };
    const created = (await call('POST', '/api/v1/namespaces/sem/services', service)).body;
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.spec.ports).toEqual([{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    const current = (await call('GET', '/api/v1/namespaces/sem/services/gen')).body;
    const noop = await call('PUT', '/api/v1/namespaces/sem/services/gen', current);
    expect(noop.status).toBe(200);
    expect(noop.body.metadata.resourceVersion).toBe(current.metadata.resourceVersion);

    const labelled = await call('PUT', '/api/v1/namespaces/sem/services/gen', { ...current, metadata: { ...current.metadata, labels: { x: 'y' } }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } });
    expect(labelled.status).toBe(200);
    expect(labelled.body.metadata.resourceVersion).not.toBe(current.metadata.resourceVersion);
    expect(labelled.body.status).toEqual({ loadBalancer: {} });

    const withoutVersion = { ...labelled.body, metadata: { ...labelled.body.metadata, resourceVersion: undefined }, spec: { ...labelled.body.spec, ports: [{ port: 81 }] } };
    const lastWriteWins = await call('PUT', '/api/v1/namespaces/sem/services/gen', withoutVersion);
    expect(lastWriteWins.status).toBe(200);
    expect(lastWriteWins.body.spec.clusterIP).toBe(created.spec.clusterIP);

    const stale = await call('PUT', '/api/v1/namespaces/sem/services/gen', current);
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe('Operation cannot be fulfilled on services "gen": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('counts generation on spec changes only and ignores .status written to the main resource', async () => {
    const path = '/apis/networking.istio.io/v1beta1/namespaces/sem/virtualservices';
    const created = (await call('POST', path, { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'gen' }, spec: { hosts: ['a'] } })).body;
    expect(created.metadata.generation).toBe(1);
    const labelled = await call('PATCH', `${path}/gen`, { metadata: { labels: { x: 'y' } }, status: { note: 'ignored' } }, 'application/merge-patch+json');
    expect(labelled.body.metadata.generation).toBe(1);
    expect(labelled.body.status).toBeUndefined();
    const changed = await call('PATCH', `${path}/gen`, { spec: { hosts: ['b'] } }, 'application/merge-patch+json');
    expect(changed.body.metadata.generation).toBe(2);
    const status = await call('PATCH', `${path}/gen/status`, { status: { note: 'kept' } }, 'application/merge-patch+json');
    expect(status.body.status).toEqual({ note: 'kept' });
    expect(status.body.metadata.generation).toBe(2);
    const plain = (await call('POST', '/api/v1/namespaces/sem/configmaps', configMap('no-generation', {}))).body;
    expect(plain.metadata.generation).toBeUndefined();
  });

  it('validates names, label values and the 1 MiB data limit like the API server', async () => {
    const badName = await call('POST', '/apis/apps/v1/namespaces/sem/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'Web_1' }, spec: {} });
    expect(badName.status).toBe(422);
    expect(badName.body.message).toMatch(/^Deployment\.apps "Web_1" is invalid: metadata\.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain must consist of/);
    const badService = await call('POST', '/api/v1/namespaces/sem/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: '1-front' }, spec: { ports: [{ port: 80 }] } });
    expect(badService.body.message).toContain('a DNS-1035 label must consist of lower case alphanumeric characters');
    const badLabel = await call('POST', '/api/v1/namespaces/sem/configmaps', configMap('labelled', { app: 'has space' }));
    expect(badLabel.status).toBe(422);
    expect(badLabel.body.details.causes[0]).toMatchObject({ field: 'metadata.labels', reason: 'FieldValueInvalid' });
    const huge = await call('POST', '/api/v1/namespaces/sem/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'huge' }, data: { blob: Buffer.alloc(1024 * 1024 + 1).toString('base64') } });
    expect(huge.status).toBe(422);
    expect(huge.body.message).toBe('Secret "huge" is invalid: data: Too long: may not be more than 1048576 bytes');
    expect(sim.get('v1', 'Secret', 'sem', 'huge')).toBeUndefined();
  });

  it('applies strategic merge by key, $patch directives, JSON patch tests, and refuses strategic merge on CRD objects', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'sem' },
      spec: { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'b:1' }] },
    };
    expect((await call('POST', '/api/v1/namespaces/sem/pods', pod)).status).toBe(201);
    const patched = await call(
      'PATCH',
      '/api/v1/namespaces/sem/pods/p',
      { metadata: { labels: { l: 'v' } }, spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }] }, { name: 'b', $patch: 'delete' }] } },
      'application/strategic-merge-patch+json',
    );
    expect(patched.status).toBe(200);
    expect(patched.body.spec.containers.map((c: Obj) => c.name)).toEqual(['a']);
    expect(patched.body.spec.containers[0].image).toBe('a:1');
    expect(patched.body.spec.containers[0].env).toEqual([
      { name: 'X', value: '1' },
      { name: 'Y', value: '2' },
    ]);

    const failedTest = await call('PATCH', '/api/v1/namespaces/sem/pods/p', [{ op: 'test', path: '/metadata/labels/l', value: 'other' }, { op: 'remove', path: '/metadata/labels' }], 'application/json-patch+json');
    expect(failedTest.status).toBe(422);
    const passedTest = await call('PATCH', '/api/v1/namespaces/sem/pods/p', [{ op: 'test', path: '/metadata/labels/l', value: 'v' }, { op: 'remove', path: '/metadata/labels' }], 'application/json-patch+json');
    expect(passedTest.body.metadata.labels).toBeUndefined();

    const vs = { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'vs' }, spec: { hosts: ['a'] } };
    expect((await call('POST', '/apis/networking.istio.io/v1beta1/namespaces/sem/virtualservices', vs)).status).toBe(201);
    const smp = await call('PATCH', '/apis/networking.istio.io/v1beta1/namespaces/sem/virtualservices/vs', { spec: { hosts: ['b'] } }, 'application/strategic-merge-patch+json');
    expect(smp.status).toBe(415);
    const merge = await call('PATCH', '/apis/networking.istio.io/v1beta1/namespaces/sem/virtualservices/vs', { spec: { hosts: ['b'], gateways: null } }, 'application/merge-patch+json');
    expect(merge.body.spec).toEqual({ hosts: ['b'] });
  });

  it('selects by set-based label selectors and by field selectors', async () => {
    for (const [name, tier] of [['s1', 'web'], ['s2', 'db'], ['s3', '']] as const) {
      await call('POST', '/api/v1/namespaces/sem/configmaps', configMap(name, tier ? { tier, group: 'sel' } : { group: 'sel' }));
    }
    const names = async (query: string) => ((await call('GET', `/api/v1/namespaces/sem/configmaps?${query}`)).body.items as Obj[]).map((i) => i.metadata.name);
    expect(await names('labelSelector=tier in (web,db)')).toEqual(['s1', 's2']);
    expect(await names('labelSelector=group=sel,tier notin (web)')).toEqual(['s2', 's3']);
    expect(await names('labelSelector=group==sel,!tier')).toEqual(['s3']);
    expect(await names('labelSelector=tier!=web,group')).toEqual(['s2', 's3']);
    expect(await names('fieldSelector=metadata.name=s2')).toEqual(['s2']);
  });

  it('streams watch events, re-evaluating the selector on every change', async () => {
    const start = (await call('GET', '/api/v1/namespaces/sem/configmaps')).body.metadata.resourceVersion as string;
    const events = await watch(
      `/api/v1/namespaces/sem/configmaps?watch=true&labelSelector=w%3D1&resourceVersion=${start}&allowWatchBookmarks=true`,
      async () => {
        await call('POST', '/api/v1/namespaces/sem/configmaps', configMap('w', { w: '1' }));
        await call('PATCH', '/api/v1/namespaces/sem/configmaps/w', { data: { k: 'v' } }, 'application/merge-patch+json');
        await call('PATCH', '/api/v1/namespaces/sem/configmaps/w', { metadata: { labels: { w: '2' } } }, 'application/merge-patch+json');
        await call('PATCH', '/api/v1/namespaces/sem/configmaps/w', { metadata: { labels: { w: '1' } } }, 'application/merge-patch+json');
        await call('DELETE', '/api/v1/namespaces/sem/configmaps/w');
      },
      (received) => received.length >= 5,
    );
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED', 'ADDED', 'DELETED']);
  });

  it('serves a watch-list with a closing bookmark, and 410 Expired for a resourceVersion too old', async () => {
    const list = await watch(
      '/api/v1/namespaces/sem/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
      async () => undefined,
      (received) => received.some((e) => e.type === 'BOOKMARK'),
    );
    const bookmark = list[list.length - 1]!;
    expect(bookmark.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(list.slice(0, -1).every((e) => e.type === 'ADDED')).toBe(true);
    expect(list.length - 1).toBe(((await call('GET', '/api/v1/namespaces/sem/configmaps')).body.items as Obj[]).length);

    for (let i = 0; i < 150; i++) await call('PUT', '/api/v1/namespaces/sem/configmaps/s1', configMap('s1', { tier: 'web', group: 'sel' }, { n: String(i) }));
    const expired = await watch('/api/v1/namespaces/sem/configmaps?watch=true&resourceVersion=1001', async () => undefined, (received) => received.length >= 1);
    expect(expired[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  });

  it('deletes dependents unless the propagation policy is Orphan', async () => {
    const owner = (await call('POST', '/api/v1/namespaces/sem/configmaps', configMap('owner', {}))).body;
    const ref = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }];
    await call('POST', '/api/v1/namespaces/sem/configmaps', { ...configMap('dependent', {}), metadata: { name: 'dependent', ownerReferences: ref } });
    const orphanOwner = (await call('POST', '/api/v1/namespaces/sem/configmaps', configMap('orphan-owner', {}))).body;
    await call('POST', '/api/v1/namespaces/sem/configmaps', { ...configMap('orphan', {}), metadata: { name: 'orphan', ownerReferences: [{ ...ref[0], name: 'orphan-owner', uid: orphanOwner.metadata.uid }] } });
    expect((await call('DELETE', '/api/v1/namespaces/sem/configmaps/owner')).status).toBe(200);
    expect((await call('DELETE', '/api/v1/namespaces/sem/configmaps/orphan-owner?propagationPolicy=Orphan')).status).toBe(200);
    expect(sim.get('v1', 'ConfigMap', 'sem', 'dependent')).toBeUndefined();
    expect(sim.get('v1', 'ConfigMap', 'sem', 'orphan')).toBeDefined();
  });

  it('answers a watch-list with 422 when told to, so clients fall back to LIST + WATCH', async () => {
    const strict = await startKubeSim({ rejectWatchList: true });
    try {
      const response = await fetch(`${strict.url}/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
      expect(response.status).toBe(422);
      expect(((await response.json()) as Obj).reason).toBe('Invalid');
    } finally {
      await strict.close();
    }
  });
});
