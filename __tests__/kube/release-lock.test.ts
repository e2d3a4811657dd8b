import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnsupported, KubeApi } from '../../src/kube/api-client.js';
import { Kubectl, WriteConflictError } from '../../src/kube/kubectl.js';
import { type Lease, LockLostError, leaseName, microTime, releaseLease, ReleaseHeldError, ReleaseLock } from '../../src/kube/release-lock.js';
import { realBinaries } from '../support/binaries.js';
import { failureOf } from '../support/failure.js';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';

/**
 * The release lock in process, against kube-sim, through the action's API client and through the
 * real kubectl 1.34 (what a kubeconfig the API client cannot speak gets): optimistic concurrency,
 * waiting, expiry as client-go's leader election judges it, renewal, a lost hold, and release.
 */
const work = mkdtempSync(join(tmpdir(), 'release-lock-'));
let sim: KubeSim;
let kubeconfig: string;
const apis: KubeApi[] = [];

beforeAll(async () => {
  sim = await startKubeSim({});
  kubeconfig = sim.writeKubeconfig(work);
  // core.saveState writes here instead of to stdout.
  process.env.GITHUB_STATE = join(work, 'state');
  writeFileSync(process.env.GITHUB_STATE, '');
});
afterAll(async () => {
  for (const api of apis) api.close();
  await sim?.close();
});

let namespaces = 0;
/** A namespace of its own per test: each has its own Lease. */
function newNamespace(): string {
  const name = `lock-${++namespaces}`;
  sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

function storedLease(namespace: string): Lease | undefined {
  return sim.get('coordination.k8s.io/v1', 'Lease', namespace, leaseName('registry')) as Lease | undefined;
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const through of ['the API client', 'kubectl'] as const) {
  describe(`the release lock through ${through}`, () => {
    const kubectl = () => {
      const access = { kubectlPath: realBinaries().kubectl, kubeconfig };
      if (through === 'kubectl') return new Kubectl(access);
      const api = KubeApi.fromKubeconfig(kubeconfig, undefined);
      if (isUnsupported(api)) throw new Error(api.unsupported);
      apis.push(api);
      return new Kubectl(access, api);
    };
    const lock = (namespace: string, run: string, settings: { waitMs?: number; leaseSeconds?: number } = {}) =>
      new ReleaseLock(kubectl(), { release: 'registry', namespace, leaseSeconds: settings.leaseSeconds ?? 30, waitMs: settings.waitMs ?? 30_000 }, { identity: run, url: `https://github.com/octo/infra/actions/runs/${run}/attempts/1` });

    it('refuses a create of an existing object and a replace with a stale resourceVersion (409)', async () => {
      const namespace = newNamespace();
      const client = kubectl();
      const object = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'probe', namespace }, spec: { holderIdentity: 'one' } };
      const created = await client.create(object);
      const conflict = await failureOf(client.create(object));
      expect(conflict).toBeInstanceOf(WriteConflictError);
      expect((conflict as WriteConflictError).reason).toBe('AlreadyExists');
      await client.replace({ ...created, spec: { holderIdentity: 'two' } });
      const stale = await failureOf(client.replace({ ...created, spec: { holderIdentity: 'three' } }));
      expect(stale).toBeInstanceOf(WriteConflictError);
      expect((stale as WriteConflictError).reason).toBe('Conflict');
      expect((sim.get('coordination.k8s.io/v1', 'Lease', namespace, 'probe') as Lease).spec).toEqual({ holderIdentity: 'two' });
    });

    it('of two runs taking a free release at once, one holds it; the other waits until it lets go', async () => {
      const namespace = newNamespace();
      const [a, b] = [lock(namespace, 'run-a'), lock(namespace, 'run-b')];
      const taking = [a.acquire().then(() => a), b.acquire().then(() => b)];
      const first = await Promise.race(taking);
      const second = first === a ? b : a;
      const firstName = first === a ? 'run-a' : 'run-b';
      expect(storedLease(namespace)?.spec).toMatchObject({ holderIdentity: firstName, leaseDurationSeconds: 30, leaseTransitions: 0 });
      // metav1.MicroTime: the API server parses exactly six fractional digits.
      expect(storedLease(namespace)?.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      await first.release();
      await Promise.all(taking);
      expect(storedLease(namespace)?.spec).toMatchObject({ holderIdentity: firstName === 'run-a' ? 'run-b' : 'run-a', leaseTransitions: 1 });
      expect(storedLease(namespace)?.metadata.annotations).toMatchObject({ 'harbor-tke-action/last-holder': firstName });
      await second.release();
      expect(storedLease(namespace)?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    });

    it('with lock-wait 0, fails at once naming a live holder, and leaves its Lease as it is', async () => {
      const namespace = newNamespace();
      const holder = lock(namespace, 'run-a');
      await holder.acquire();
      const before = JSON.stringify(storedLease(namespace));
      const error = await failureOf(lock(namespace, 'run-b', { waitMs: 0 }).acquire());
      expect(error).toBeInstanceOf(ReleaseHeldError);
      expect((error as ReleaseHeldError).holder).toBe('run-a');
      expect((error as ReleaseHeldError).url).toBe('https://github.com/octo/infra/actions/runs/run-a/attempts/1');
      expect(error.message).toMatch(/^release registry is held by another run that is still working on it: run-a \(https:\/\/github\.com\/octo\/infra\/actions\/runs\/run-a\/attempts\/1\), since /);
      expect(JSON.stringify(storedLease(namespace))).toBe(before);
      await holder.release();
    });

    it('takes the hold of a run that stopped renewing once a whole lease duration passed without a change, not before', async () => {
      const namespace = newNamespace();
      const now = microTime();
      sim.put({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: leaseName('registry'), namespace, annotations: { 'harbor-tke-action/doing': 'the smoke test' } },
        spec: { holderIdentity: 'killed run', leaseDurationSeconds: 2, acquireTime: now, renewTime: now, leaseTransitions: 4 },
      });
      const taker = lock(namespace, 'run-b');
      const held = await taker.acquire();
      // The safety property: never before the holder's lease duration has passed unrenewed.
      expect(held.waitedMs).toBeGreaterThanOrEqual(2_000);
      expect(held.previous).toEqual({ kind: 'expired', holder: 'killed run', url: undefined, renewTime: now, doing: 'the smoke test' });
      expect(held.unchangedSinceObserved).toBe(false);
      expect(storedLease(namespace)?.spec).toMatchObject({ holderIdentity: 'run-b', leaseTransitions: 5 });
      await taker.release();
    });

    it('takes at once a hold last renewed longer ago than twice its duration (a run that died before this one started)', async () => {
      const namespace = newNamespace();
      const hourAgo = microTime(Date.now() - 3_600_000);
      sim.put({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: leaseName('registry'), namespace },
        spec: { holderIdentity: 'run of last night', leaseDurationSeconds: 60, acquireTime: hourAgo, renewTime: hourAgo, leaseTransitions: 0 },
      });
      const taker = lock(namespace, 'run-b', { waitMs: 0 });
      taker.observe();
      const held = await taker.acquire();
      expect(held.previous).toMatchObject({ kind: 'expired', holder: 'run of last night' });
      expect(held.unchangedSinceObserved).toBe(true);
      await taker.release();
    });

    it('renews while it holds, and stops short of the release once another run took over', async () => {
      const namespace = newNamespace();
      // A 3 s lease: renewed every second.
      const holder = lock(namespace, 'run-a', { leaseSeconds: 3 });
      await holder.acquire();
      const acquired = storedLease(namespace)!.spec!.renewTime;
      await until(() => storedLease(namespace)!.spec!.renewTime !== acquired);
      holder.assertHeld();
      const current = storedLease(namespace)!;
      sim.put({ ...current, spec: { ...current.spec, holderIdentity: 'run-c', renewTime: microTime() } });
      await until(() => holder.lost() !== undefined);
      expect(holder.lost()).toMatch(/^This run lost its hold on release registry \(Lease lock-\d+\/harbor-tke-action\.registry\): run-c took it/);
      expect(() => holder.assertHeld()).toThrow(LockLostError);
      await holder.release();
      expect(storedLease(namespace)?.spec?.holderIdentity).toBe('run-c');
    });

    it('releases only a Lease this run holds', async () => {
      const namespace = newNamespace();
      const holder = lock(namespace, 'run-a');
      await holder.acquire();
      expect(await releaseLease(kubectl(), storedLease(namespace)!, 'run-b', { timeoutMs: 5_000 })).toBe('not ours');
      expect(storedLease(namespace)?.spec?.holderIdentity).toBe('run-a');
      expect(await releaseLease(kubectl(), storedLease(namespace)!, 'run-a', { timeoutMs: 5_000 })).toBe('released');
      expect(storedLease(namespace)?.spec?.holderIdentity).toBe('');
    });
  });
}
