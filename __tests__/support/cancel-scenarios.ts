import { lagFromNextRegistryRequest } from '../e2e/registry-lag.js';
import { runActionAndCancel, type CancelledRun } from './cancel.js';
import { inputsOnRegistryStack, startDeployEnvironment, type DeployEnvironment } from './deploy-environment.js';
import type { KubeSim } from './kube-sim/index.js';
import { startS3RegistryStack, type S3RegistryStack } from './registry-stack/s3-stack.js';
import { runAction, type ActionRun } from './run-action.js';
import { seedSecrets } from './seed.js';
import { mirrorLayout } from './tool-mirror/layout.js';
import { startToolMirror, type ToolMirror } from './tool-mirror/server.js';

/**
 * Runs cancelled at each phase, as the runner cancels them (support/cancel.ts), with the real helm
 * on kube-sim: shared by the cancellation tests (which assert what they leave) and the benchmark
 * (which times them).
 */
export interface CancelWorld {
  environment: DeployEnvironment;
  /** A mirror at 2 MB/s: a helm download takes seconds, long enough to be cancelled in. */
  slowMirror: ToolMirror;
  stack: S3RegistryStack;
  close(): Promise<void>;
}

export async function startCancelWorld(): Promise<CancelWorld> {
  const [environment, slowMirror, stack] = await Promise.all([
    startDeployEnvironment(),
    startToolMirror(mirrorLayout().root, { bytesPerSecond: 2_000_000 }),
    startS3RegistryStack({ auth: 'token', username: 'admin', password: seedSecrets['admin-password'] }),
  ]);
  return {
    environment,
    slowMirror,
    stack,
    async close() {
      await environment.close();
      await slowMirror.close();
      await stack.stop();
    },
  };
}

export interface ScenarioRun {
  sim: KubeSim;
  run: CancelledRun;
  /** The Deployments' images before the cancelled run. */
  imagesBefore: Record<string, string[]>;
  /** sim.writes().length before the cancelled run. */
  writesBefore: number;
  /** The next run, with the same inputs as the cancelled one. */
  next(): Promise<ActionRun>;
}

export type ScenarioName = 'before helm' | 'helm upgrade (install)' | 'helm upgrade (upgrade)' | 'readiness wait' | 'smoke test' | 'diff';

export const SLOW_PODS_MS = 120_000;
const FAST_PODS_MS = 150;
/** What the cancelled upgrades change: the image core runs. */
export const NEW_CORE_IMAGE = 'docker.io/goharbor/harbor-core:v2.15.2';
const NEW_CORE_TAG = 'core.image.tag=v2.15.2';

/** The release as helm stores it: the latest record's revision and status, or undefined when there is none. */
export function releaseState(sim: KubeSim): { revision: number; status: string } | undefined {
  const records = sim.list('v1', 'Secret', 'registry').filter((s) => s.metadata.name?.startsWith('sh.helm.release.v1.registry.v'));
  const latest = records.sort((a, b) => Number(a.metadata.labels!.version) - Number(b.metadata.labels!.version)).pop();
  return latest ? { revision: Number(latest.metadata.labels!.version), status: latest.metadata.labels!.status! } : undefined;
}

/** Whether helm has a release record in `status` (pending-install, pending-upgrade…). */
export function hasReleaseRecord(sim: KubeSim, status: string): boolean {
  return sim.list('v1', 'Secret', 'registry').some((s) => s.metadata.name?.startsWith('sh.helm.release.v1.registry.v') && s.metadata.labels?.status === status);
}

/** The images of the release's Deployments, by name: what runs. */
export function images(sim: KubeSim): Record<string, string[]> {
  return Object.fromEntries(
    sim
      .list('apps/v1', 'Deployment', 'registry')
      .filter((d) => d.metadata.name?.startsWith('registry-harbor-'))
      .map((d) => [d.metadata.name!, (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers.map((c) => c.image)]),
  );
}

/**
 * The moment to cancel a slow rollout, and from then on fast pods again. The new version's pods are
 * slow (a new image being pulled); the pods helm's rollback brings back start at once, as the old
 * image is on the node. On a real cluster the old pods even keep running through a stuck rollout;
 * kube-sim scales the old ReplicaSet down at once (its README), so without this the rollback would
 * wait for pods as slow as the new ones.
 */
export function fastPodsFromThen(sim: KubeSim, condition: (stdout: string) => boolean): (stdout: string) => boolean {
  return (stdout) => {
    if (!condition(stdout)) return false;
    sim.setPodReadyDelay(FAST_PODS_MS);
    return true;
  };
}

/** Runs scenario `name` with `helmVersion`, the bundle under the node at `nodePath` (default: this process's). */
export async function runScenario(world: CancelWorld, name: ScenarioName, helmVersion: string, nodePath?: string): Promise<ScenarioRun> {
  const { environment, slowMirror, stack } = world;
  const deploy = (inputs: Record<string, string>) => runAction(inputs, { toolCache: environment.toolCache, post: true, nodePath });
  const { sim, kubeconfig } = await environment.cluster(name === 'helm upgrade (install)' ? { podReadyDelayMs: SLOW_PODS_MS } : {});
  let writesBefore = 0;
  const cancel = (inputs: Record<string, string>, when: (stdout: string) => boolean, options: { ownToolCache?: boolean; secondSignalWhen?: (stdout: string) => boolean } = {}) => {
    writesBefore = sim.writes().length;
    return runActionAndCancel(inputs, { when, secondSignalWhen: options.secondSignalWhen }, { toolCache: options.ownToolCache ? undefined : environment.toolCache, nodePath });
  };
  // No CFS preparation Job: its pod would wait out the slow pod start meant for helm's rollout.
  const inputs = (extra: Record<string, string> = {}) => environment.inputs(kubeconfig, { 'helm-version': helmVersion, 'cfs-prepare': 'false', ...extra });
  const deployFirst = async () => {
    const first = await deploy(inputs());
    if (first.exitCode !== 0) throw new Error(`the first deploy failed: ${first.stdout.split('\n').find((l) => l.startsWith('::error::'))}`);
  };

  let cancelledInputs: Record<string, string>;
  let run: CancelledRun;
  let imagesBefore: Record<string, string[]> = {};
  switch (name) {
    case 'before helm': {
      await deployFirst();
      imagesBefore = images(sim);
      cancelledInputs = inputs({ set: NEW_CORE_TAG, 'helm-mirror': slowMirror.url });
      // A tool cache of its own: helm is downloaded, slowly.
      run = await cancel(cancelledInputs, (stdout) => /helm v[\d.]+: downloading/.test(stdout), { ownToolCache: true });
      break;
    }
    case 'helm upgrade (install)': {
      cancelledInputs = inputs();
      run = await cancel(cancelledInputs, fastPodsFromThen(sim, () => hasReleaseRecord(sim, 'pending-install')));
      break;
    }
    case 'helm upgrade (upgrade)':
    case 'readiness wait': {
      await deployFirst();
      imagesBefore = images(sim);
      sim.setPodReadyDelay(SLOW_PODS_MS);
      cancelledInputs = inputs({ set: NEW_CORE_TAG });
      run =
        name === 'helm upgrade (upgrade)'
          ? await cancel(cancelledInputs, fastPodsFromThen(sim, () => hasReleaseRecord(sim, 'pending-upgrade')))
          : // The watch's progress line: helm has applied the new pod template and waits for it; then a second
          // Cancel while the action handles the first.
            await cancel(cancelledInputs, fastPodsFromThen(sim, (stdout) => /… core: /.test(stdout)), { secondSignalWhen: (stdout) => stdout.includes('::warning title=Run cancelled::') });
      break;
    }
    case 'smoke test': {
      cancelledInputs = inputs({ ...inputsOnRegistryStack(stack), 'smoke-test': 'true' });
      // COS listing lag for a minute from the smoke test's first request: it retries, and is cancelled meanwhile.
      lagFromNextRegistryRequest(stack, 60_000);
      run = await cancel(cancelledInputs, (stdout) => stdout.includes('::group::Smoke test'));
      stack.lag.startLagWindow(0);
      break;
    }
    case 'diff': {
      await deployFirst();
      imagesBefore = images(sim);
      cancelledInputs = inputs({ mode: 'diff' });
      // A slow API server while diff reads the release.
      sim.injectRequestFault({ method: 'GET', path: /\/secrets/, delayMs: 30_000 });
      run = await cancel(cancelledInputs, (stdout) => stdout.includes('$ helm history'));
      sim.clearRequestFaults();
      break;
    }
  }
  return { sim, run, imagesBefore, writesBefore, next: () => deploy(cancelledInputs) };
}
