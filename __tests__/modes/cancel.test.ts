import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lagFromNextRegistryRequest } from '../e2e/registry-lag.js';
import { runActionAndCancel, type CancelledRun } from '../support/cancel.js';
import { HELM_VERSIONS, inputsOnRegistryStack, startDeployEnvironment, type DeployEnvironment } from '../support/deploy-environment.js';
import type { KubeSim } from '../support/kube-sim/index.js';
import { startS3RegistryStack, type S3RegistryStack } from '../support/registry-stack/s3-stack.js';
import { runAction as runBundle, type ActionRun } from '../support/run-action.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedSecrets } from '../support/seed.js';
import { startToolMirror, type ToolMirror } from '../support/tool-mirror/server.js';
import { mirrorLayout } from '../support/tool-mirror/layout.js';

/**
 * Runs cancelled the way a GitHub runner cancels them (support/cancel.ts: SIGINT to node alone,
 * SIGTERM at 7.5 s, SIGKILL at 10 s, then the post step), at each phase of a deploy and during a
 * diff, with the real Helm 4 and 3 on kube-sim. Each scenario checks what a user would find
 * afterwards: the release state and the images that run, no helm or kubectl left running, the
 * post step's cleanup, a summary and outputs that say what happened, and a next run with the same
 * inputs that succeeds with the default stuck-release: fail.
 */
let environment: DeployEnvironment;
/** A mirror at 2 MB/s: a helm download takes seconds, long enough to be cancelled in. */
let slowMirror: ToolMirror;
let stack: S3RegistryStack;

beforeAll(async () => {
  [environment, slowMirror, stack] = await Promise.all([
    startDeployEnvironment(),
    startToolMirror(mirrorLayout().root, { bytesPerSecond: 2_000_000 }),
    startS3RegistryStack({ auth: 'token', harborApi: true, username: 'admin', password: seedSecrets['admin-password'] }),
  ]);
}, 180_000);
afterAll(async () => {
  await environment?.close();
  await slowMirror?.close();
  await stack?.stop();
});

const SLOW_PODS_MS = 120_000;
const FAST_PODS_MS = 150;

/**
 * The moment to cancel a slow rollout, and from then on fast pods again. The new version's pods are
 * slow (a new image being pulled); the pods helm's rollback brings back start at once, as the old
 * image is on the node. On a real cluster the old pods even keep running through a stuck rollout;
 * kube-sim scales the old ReplicaSet down at once (its README), so without this the rollback would
 * wait for pods as slow as the new ones.
 */
function cancelOnce(sim: KubeSim, condition: (stdout: string) => boolean): (stdout: string) => boolean {
  return (stdout) => {
    if (!condition(stdout)) return false;
    sim.setPodReadyDelay(FAST_PODS_MS);
    return true;
  };
}

function deployAction(inputs: Record<string, string>): Promise<ActionRun> {
  return runBundle(inputs, { toolCache: environment.toolCache, post: true });
}

function cancelled(inputs: Record<string, string>, when: (stdout: string) => boolean, options: { toolCache?: string; secondSignalAfterMs?: number } = {}): Promise<CancelledRun> {
  return runActionAndCancel(inputs, { when, secondSignalAfterMs: options.secondSignalAfterMs }, { toolCache: 'toolCache' in options ? options.toolCache : environment.toolCache });
}

/** The release as helm stores it: the latest record's revision and status, or undefined when there is none. */
function releaseState(sim: KubeSim): { revision: number; status: string } | undefined {
  const records = sim.list('v1', 'Secret', 'registry').filter((s) => s.metadata.name?.startsWith('sh.helm.release.v1.registry.v'));
  const latest = records.sort((a, b) => Number(a.metadata.labels!.version) - Number(b.metadata.labels!.version)).pop();
  return latest ? { revision: Number(latest.metadata.labels!.version), status: latest.metadata.labels!.status! } : undefined;
}

function hasReleaseRecord(sim: KubeSim, status: string): boolean {
  return sim.list('v1', 'Secret', 'registry').some((s) => s.metadata.name?.startsWith('sh.helm.release.v1.registry.v') && s.metadata.labels?.status === status);
}

/** The images of the release's Deployments, by name: what runs. */
function images(sim: KubeSim): Record<string, string[]> {
  return Object.fromEntries(
    sim
      .list('apps/v1', 'Deployment', 'registry')
      .filter((d) => d.metadata.name?.startsWith('registry-harbor-'))
      .map((d) => [d.metadata.name!, (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers.map((c) => c.image)]),
  );
}

/** What every cancelled run must show, whatever the phase. */
function expectStoppedCleanly(run: CancelledRun, phase: RegExp): void {
  expect(run.triggered).toBe(true);
  // Ended by itself, before the runner had to send SIGTERM: only the SIGINTs went out.
  expect(run.signals.map((s) => s.signal).filter((s) => s !== 'SIGINT')).toEqual([]);
  expect(run.signal).toBeUndefined();
  expect(run.exitCode).not.toBe(0);
  expect(run.leftProcesses).toEqual([]);
  expect(run.stderr).toBe('');
  expect(run.outputs.cancelled).toBe('true');
  const error = run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
  expect(error).toHaveLength(1);
  expect(error[0]).toMatch(/^::error::The run was cancelled \(SIGINT\) during /);
  expect(run.summary).toMatch(phase);
  expect(run.post?.exitCode).toBe(0);
  expect(existsSync(join(run.runnerTemp, 'harbor-tke-action', 'registry', 'kubeconfig'))).toBe(false);
  expect(existsSync(join(run.runnerTemp, 'harbor-tke-action', 'registry', 'values.yaml'))).toBe(false);
  expect(findLeaks(run, Object.values(seedSecrets))).toEqual([]);
}

const NEW_CORE_TAG = 'core.image.tag=v2.15.2';

for (const [helmName, helmVersion] of HELM_VERSIONS) {
  describe(`a deploy cancelled with ${helmName}`, () => {
    // No CFS preparation Job: its pod would wait out the slow pod start meant for helm's rollout.
    const inputs = (kubeconfig: string, extra: Record<string, string> = {}) => environment.inputs(kubeconfig, { 'helm-version': helmVersion, 'cfs-prepare': 'false', ...extra });

    it('before helm (downloading it): the release is as it was, and the next run deploys', async () => {
      const { sim, kubeconfig } = await environment.cluster();
      expect((await deployAction(inputs(kubeconfig))).exitCode).toBe(0);
      const before = images(sim);
      const changed = inputs(kubeconfig, { set: NEW_CORE_TAG, 'helm-mirror': slowMirror.url });
      // A tool cache of its own: helm is downloaded, slowly.
      const run = await cancelled(changed, (stdout) => /helm v[\d.]+: downloading/.test(stdout), { toolCache: undefined });
      expectStoppedCleanly(run, /cancelled \(SIGINT\) during installing helm and kubectl/);
      expect(run.summary).toContain('helm had not started');
      expect(releaseState(sim)).toEqual({ revision: 1, status: 'deployed' });
      expect(images(sim)).toEqual(before);

      const next = await deployAction(changed);
      expect(next.exitCode).toBe(0);
      expect(next.outputs).toMatchObject({ revision: '2', status: 'deployed' });
      expect(images(sim)['registry-harbor-core']).toEqual(['goharbor/harbor-core:v2.15.2']);
    });

    it('during helm upgrade of a first install: helm removes the install, and the next run installs', async () => {
      const { sim, kubeconfig } = await environment.cluster({ podReadyDelayMs: SLOW_PODS_MS });
      const run = await cancelled(inputs(kubeconfig), cancelOnce(sim, () => hasReleaseRecord(sim, 'pending-install')));
      expectStoppedCleanly(run, /cancelled \(SIGINT\) during helm upgrade --install and the readiness wait/);
      expect(run.stdout).toMatch(/Release "?registry"? has been cancelled/);
      expect(releaseState(sim)).toBeUndefined();
      expect(run.summary).toContain('is not installed');
      expect(images(sim)).toEqual({});

      const next = await deployAction(inputs(kubeconfig));
      expect(next.exitCode).toBe(0);
      expect(next.outputs).toMatchObject({ status: 'deployed' });
    });

    it('during helm upgrade of an upgrade: helm rolls back, the old images run, and the next run upgrades', async () => {
      const { sim, kubeconfig } = await environment.cluster();
      expect((await deployAction(inputs(kubeconfig))).exitCode).toBe(0);
      const before = images(sim);
      sim.setPodReadyDelay(SLOW_PODS_MS);
      const changed = inputs(kubeconfig, { set: NEW_CORE_TAG });
      const run = await cancelled(changed, cancelOnce(sim, () => hasReleaseRecord(sim, 'pending-upgrade')));
      expectStoppedCleanly(run, /cancelled \(SIGINT\) during helm upgrade --install and the readiness wait/);
      expect(releaseState(sim)).toEqual({ revision: 3, status: 'deployed' });
      expect(run.outputs).toMatchObject({ revision: '3', status: 'deployed' });
      expect(run.summary).toContain('runs what revision 1 ran');
      expect(images(sim)).toEqual(before);

      const next = await deployAction(changed);
      expect(next.exitCode).toBe(0);
      expect(next.outputs).toMatchObject({ revision: '4', status: 'deployed' });
      expect(images(sim)['registry-harbor-core']).toEqual(['goharbor/harbor-core:v2.15.2']);
    });

    it('during the readiness wait, twice (a second Cancel): helm rolls back once, and the next run upgrades', async () => {
      const { sim, kubeconfig } = await environment.cluster();
      expect((await deployAction(inputs(kubeconfig))).exitCode).toBe(0);
      const before = images(sim);
      sim.setPodReadyDelay(SLOW_PODS_MS);
      const changed = inputs(kubeconfig, { set: NEW_CORE_TAG });
      // The watch's progress line: helm has applied the new pod template and waits for it.
      const run = await cancelled(changed, cancelOnce(sim, (stdout) => /… core: /.test(stdout)), { secondSignalAfterMs: 300 });
      expectStoppedCleanly(run, /cancelled \(SIGINT\) during helm upgrade --install and the readiness wait/);
      expect(run.signals.map((s) => s.signal)).toEqual(['SIGINT', 'SIGINT']);
      expect(run.stdout).toContain('SIGINT again while stopping');
      expect(releaseState(sim)).toEqual({ revision: 3, status: 'deployed' });
      expect(images(sim)).toEqual(before);

      const next = await deployAction(changed);
      expect(next.exitCode).toBe(0);
      expect(images(sim)['registry-harbor-core']).toEqual(['goharbor/harbor-core:v2.15.2']);
    });

    it('during the smoke test (after helm): the deploy stands, the summary says so, and the next run passes', async () => {
      const { sim, kubeconfig } = await environment.cluster();
      const withSmoke = inputs(kubeconfig, { ...inputsOnRegistryStack(stack), 'smoke-test': 'true' });
      // COS listing lag for a minute from the smoke test's first request: it retries, and is cancelled meanwhile.
      lagFromNextRegistryRequest(stack, 60_000);
      const run = await cancelled(withSmoke, (stdout) => stdout.includes('::group::Smoke test'));
      stack.lag.startLagWindow(0);
      expectStoppedCleanly(run, /cancelled \(SIGINT\) during the smoke test/);
      expect(run.summary).toContain('The deploy stands');
      expect(run.outputs).toMatchObject({ revision: '1', status: 'deployed' });
      expect(releaseState(sim)).toEqual({ revision: 1, status: 'deployed' });

      const next = await deployAction(withSmoke);
      expect(next.exitCode).toBe(0);
      expect(next.outputs['smoke-test-digest']).toMatch(/^sha256:/);
    });

    it('during diff: nothing changes, and the next diff runs', async () => {
      const { sim, kubeconfig } = await environment.cluster();
      expect((await deployAction(inputs(kubeconfig))).exitCode).toBe(0);
      const writes = sim.writes().length;
      // A slow API server while diff reads the release.
      sim.injectRequestFault({ method: 'GET', path: /\/secrets/, delayMs: 30_000 });
      const run = await cancelled(inputs(kubeconfig, { mode: 'diff' }), (stdout) => stdout.includes('$ helm history'));
      sim.clearRequestFaults();
      expectStoppedCleanly(run, /cancelled \(SIGINT\) during comparing the release with the inputs \(diff\)/);
      expect(run.summary).toContain('mode diff changes nothing');
      expect(sim.writes().length).toBe(writes);
      expect(releaseState(sim)).toEqual({ revision: 1, status: 'deployed' });

      const next = await deployAction(inputs(kubeconfig, { mode: 'diff' }));
      expect(next.exitCode).toBe(0);
      expect(next.outputs.drifted).toBe('false');
    });
  });
}
