import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runActionAndCancel, processesNaming } from '../support/cancel.js';
import { fastPodsFromThen, hasReleaseRecord, SLOW_PODS_MS } from '../support/cancel-scenarios.js';
import { HELM_VERSIONS, startDeployEnvironment, type DeployEnvironment } from '../support/deploy-environment.js';
import type { KubeObject, KubeSim } from '../support/kube-sim/index.js';
import { runAction, type ActionRun, type RunningStep } from '../support/run-action.js';

/**
 * Two runs at once on one release (issue 19), through the bundle with the real Helm 4 and 3 on
 * kube-sim and the published chart 1.19.1: the second run waits for the first's hold on the
 * release (a coordination.k8s.io/v1 Lease) and then deploys, or gives up naming it; it never rolls
 * back a release whose holder is alive. A killed run's hold expires and its stuck release is then
 * recovered; a cancelled run releases its hold at once; a token that may not touch Leases is
 * stopped by the preflight.
 */
let environment: DeployEnvironment;

beforeAll(async () => {
  environment = await startDeployEnvironment();
});
afterAll(async () => {
  await environment?.close();
});

const FAST_PODS_MS = 150;
const LEASE = 'harbor-tke-action.registry';

/** What GitHub sets for a run of workflow "deploy harbor" in octo/harbor-infra. */
function runEnv(runId: number, extra: Record<string, string> = {}): Record<string, string> {
  return { GITHUB_REPOSITORY: 'octo/harbor-infra', GITHUB_WORKFLOW: 'deploy harbor', GITHUB_RUN_ID: String(runId), GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'deploy', GITHUB_SERVER_URL: 'https://github.com', ...extra };
}

const runUrl = (runId: number) => `https://github.com/octo/harbor-infra/actions/runs/${runId}/attempts/1`;

/** The release's revisions as helm stores them, oldest first. */
function history(sim: KubeSim): { revision: number; status: string }[] {
  return sim
    .list('v1', 'Secret', 'registry')
    .filter((s) => s.metadata.name?.startsWith('sh.helm.release.v1.registry.v'))
    .map((s) => ({ revision: Number(s.metadata.labels!.version), status: s.metadata.labels!.status! }))
    .sort((a, b) => a.revision - b.revision);
}

function lease(sim: KubeSim): (KubeObject & { spec?: { holderIdentity?: string; leaseTransitions?: number } }) | undefined {
  return sim.get('coordination.k8s.io/v1', 'Lease', 'registry', LEASE) as ReturnType<typeof lease>;
}

function errorLine(run: ActionRun): string {
  return (run.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? '').replace(/%0A/g, '\n');
}

async function until(condition: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A run started now, whose log can be read while it runs. */
function start(inputs: Record<string, string>, env: Record<string, string>, post = true): { done: Promise<ActionRun>; stdout: () => string; main: () => RunningStep | undefined } {
  let running: RunningStep | undefined;
  const done = runAction(inputs, { toolCache: environment.toolCache, post, env, onMainStarted: (main) => (running = main) });
  return { done, stdout: () => running?.stdout() ?? '', main: () => running };
}

/** SIGKILL to the action's node and to every process it started (helm, kubectl): a runner that died. */
function killHard(main: RunningStep): void {
  process.kill(main.process.pid!, 'SIGKILL');
  for (const line of processesNaming(main.runnerDir, main.process.pid!)) process.kill(Number(line.split(':')[0]), 'SIGKILL');
}

for (const [helmName, helmVersion] of HELM_VERSIONS) {
  describe(`two runs on one release, with ${helmName}`, () => {
    const cluster = async () => {
      const { sim, kubeconfig } = await environment.cluster({ podReadyDelayMs: FAST_PODS_MS });
      const inputs = (extra: Record<string, string> = {}) => environment.inputs(kubeconfig, { 'helm-version': helmVersion, 'cfs-prepare': 'false', ...extra });
      const first = await runAction(inputs(), { toolCache: environment.toolCache, post: true, env: runEnv(1000) });
      expect(first.exitCode, errorLine(first)).toBe(0);
      return { sim, inputs };
    };

    it('the second deploy waits for the first, then deploys its own inputs: no rollback, one deployed revision', async () => {
      const { sim, inputs } = await cluster();
      // Run A's new pods are slow (a new image being pulled) until run B is seen waiting.
      sim.setPodReadyDelay(SLOW_PODS_MS);
      const a = start(inputs({ replicas: '2' }), runEnv(1001));
      await until(() => hasReleaseRecord(sim, 'pending-upgrade'), "run A's helm upgrade");
      // The trap of the issue: stuck-release: rollback, while A's upgrade is pending.
      const b = start(inputs({ replicas: '3', 'stuck-release': 'rollback' }), runEnv(2001));
      await until(() => b.stdout().includes('is held by another run'), 'run B waiting');
      sim.setPodReadyDelay(FAST_PODS_MS);
      const [runA, runB] = await Promise.all([a.done, b.done]);

      expect(runA.exitCode, errorLine(runA)).toBe(0);
      expect(runB.exitCode, errorLine(runB)).toBe(0);
      expect(runB.stdout).toContain(
        `release registry (Lease registry/${LEASE}) is held by another run: octo/harbor-infra, workflow "deploy harbor", run 1001 attempt 1, job deploy [`,
      );
      expect(runB.stdout).toContain(`(${runUrl(1001)})`);
      expect(runB.stdout).toMatch(/doing: helm upgrade --install and the readiness wait; it renewed its hold \d+ s ago\. Waiting up to 300\.0 s \(lock-wait\) for it to end\./);
      expect(runB.stdout).toMatch(/octo\/harbor-infra, workflow "deploy harbor", run 1001 attempt 1, job deploy \[[0-9a-f]{6}\] \(https:[^)]+\) let go of release registry: this run took it after waiting [\d.]+ s\./);
      expect(runB.stdout).not.toContain('stuck');
      expect(runB.stdout).not.toContain('$ helm rollback');
      expect(runB.summary).toMatch(/let go of release registry: this run took it after waiting/);
      // A's revision 2, then B's revision 3: nothing rolled back, one revision deployed.
      expect(history(sim)).toEqual([
        { revision: 1, status: 'superseded' },
        { revision: 2, status: 'superseded' },
        { revision: 3, status: 'deployed' },
      ]);
      expect(runA.outputs).toMatchObject({ revision: '2', status: 'deployed' });
      expect(runB.outputs).toMatchObject({ revision: '3', status: 'deployed' });
      expect((sim.get('apps/v1', 'Deployment', 'registry', 'registry-harbor-core')!.spec as { replicas: number }).replicas).toBe(3);
      // Both let go: the Lease is free, taken three times by three runs.
      expect(lease(sim)?.spec).toMatchObject({ holderIdentity: '', leaseTransitions: 2 });
    });

    it('a second deploy gives up after lock-wait, or at once with lock-wait: 0, naming the first run and changing nothing', async () => {
      const { sim, inputs } = await cluster();
      sim.setPodReadyDelay(SLOW_PODS_MS);
      const a = start(inputs({ replicas: '2' }), runEnv(3001));
      await until(() => hasReleaseRecord(sim, 'pending-upgrade'), "run A's helm upgrade");
      const [atOnce, afterWait] = await Promise.all([
        runAction(inputs({ replicas: '3', 'stuck-release': 'rollback', 'lock-wait': '0' }), { toolCache: environment.toolCache, post: true, env: runEnv(3002) }),
        runAction(inputs({ replicas: '3', 'stuck-release': 'rollback', 'lock-wait': '3s' }), { toolCache: environment.toolCache, post: true, env: runEnv(3003) }),
      ]);
      sim.setPodReadyDelay(FAST_PODS_MS);
      const runA = await a.done;

      for (const [run, waited] of [
        [atOnce, 'This run did not wait \\(lock-wait: 0\\) and changed nothing'],
        [afterWait, 'This run waited 3\\.\\d+ s \\(lock-wait\\) and changed nothing'],
      ] as const) {
        expect(run.exitCode).toBe(1);
        expect(errorLine(run)).toMatch(
          new RegExp(
            '^::error::release registry is held by another run that is still working on it: octo/harbor-infra, workflow "deploy harbor", run 3001 attempt 1, job deploy \\[[0-9a-f]{6}\\] ' +
              `\\(${runUrl(3001).replace(/[.]/g, '\\.')}\\), since [\\d-]+ [\\d:]+ UTC, doing: helm upgrade --install and the readiness wait; it renewed its hold \\d+ s ago \\(Lease registry/${LEASE.replace(/\./g, '\\.')}\\)\\. ` +
              `${waited}: a release whose holder is alive is never rolled back or upgraded, whatever stuck-release says\\.`,
          ),
        );
        expect(run.outputs['lock-holder']).toMatch(new RegExp(`^octo/harbor-infra, workflow "deploy harbor", run 3001 attempt 1, job deploy \\[[0-9a-f]{6}\\] ${runUrl(3001)}$`));
        expect(run.stdout).not.toContain('$ helm upgrade');
        expect(run.stdout).not.toContain('$ helm rollback');
      }
      expect(runA.exitCode, errorLine(runA)).toBe(0);
      expect(history(sim)).toEqual([
        { revision: 1, status: 'superseded' },
        { revision: 2, status: 'deployed' },
      ]);
      expect((sim.get('apps/v1', 'Deployment', 'registry', 'registry-harbor-core')!.spec as { replicas: number }).replicas).toBe(2);
    });

    it('a run killed with SIGKILL holds the release until its Lease expires; then stuck-release: rollback recovers it', async () => {
      const { sim, inputs } = await cluster();
      sim.setPodReadyDelay(SLOW_PODS_MS);
      // A short lease for the test: the default is 60 s.
      const killed = start(inputs({ replicas: '2' }), runEnv(4001, { HARBOR_TKE_ACTION_LEASE_SECONDS: '4' }), false);
      await until(() => hasReleaseRecord(sim, 'pending-upgrade') && killed.main() !== undefined, "run A's helm upgrade");
      killHard(killed.main()!);
      const runA = await killed.done;
      expect(runA.signal).toBe('SIGKILL');
      expect(processesNaming(runA.runnerDir, 0)).toEqual([]);
      // helm was killed too: the release stays pending, and the Lease still names run A.
      expect(history(sim).at(-1)).toEqual({ revision: 2, status: 'pending-upgrade' });
      expect(lease(sim)?.spec?.holderIdentity).toMatch(/run 4001 attempt 1/);
      sim.setPodReadyDelay(FAST_PODS_MS);

      const recovered = await runAction(inputs({ 'stuck-release': 'rollback' }), { toolCache: environment.toolCache, post: true, env: runEnv(4002) });
      expect(recovered.exitCode, errorLine(recovered)).toBe(0);
      // It waited for the hold to expire, not for lock-wait.
      expect(recovered.stdout).toMatch(/is held by another run: octo\/harbor-infra, workflow "deploy harbor", run 4001 attempt 1, job deploy \[[0-9a-f]{6}\] \([^)]+\), since .*, doing: helm upgrade --install and the readiness wait/);
      expect(recovered.stdout).toMatch(
        /The hold of octo\/harbor-infra, workflow "deploy harbor", run 4001 attempt 1, job deploy \[[0-9a-f]{6}\] \([^)]+\) on release registry expired: it was last renewed at [\d-]+ [\d:]+ UTC \(doing: helm upgrade --install and the readiness wait\), and its run was killed or lost its runner\. This run took the release after waiting [\d.]+ s\./,
      );
      expect(recovered.stdout).toMatch(
        /::warning title=stuck release::release registry is stuck in pending-upgrade \(revision 2\): the run that held it, octo\/harbor-infra, .*run 4001 attempt 1.*, stopped renewing its hold at .* UTC \(doing: helm upgrade --install and the readiness wait\) and the hold expired: that run was killed or lost its runner while helm worked\. .*Rolling back to revision 1 \(stuck-release: rollback\)\./,
      );
      expect(recovered.outputs).toMatchObject({ revision: '4', status: 'deployed' });
      expect(history(sim).filter((entry) => entry.status === 'deployed')).toEqual([{ revision: 4, status: 'deployed' }]);
      expect(lease(sim)?.spec?.holderIdentity).toBe('');
    });

    it('a run killed with SIGKILL has its hold released by the post step; the next run rolls back at once', async () => {
      const { sim, inputs } = await cluster();
      sim.setPodReadyDelay(SLOW_PODS_MS);
      const killed = start(inputs({ replicas: '2' }), runEnv(5001));
      await until(() => hasReleaseRecord(sim, 'pending-upgrade') && killed.main() !== undefined, "run A's helm upgrade");
      killHard(killed.main()!);
      const runA = await killed.done;
      expect(runA.signal).toBe('SIGKILL');
      expect(runA.post?.exitCode).toBe(0);
      expect(runA.post?.stdout).toContain(`Released the hold on release registry (Lease registry/${LEASE}) that the main step left when it was stopped`);
      expect(lease(sim)?.spec?.holderIdentity).toBe('');
      sim.setPodReadyDelay(FAST_PODS_MS);

      const next = await runAction(inputs({ 'stuck-release': 'rollback' }), { toolCache: environment.toolCache, post: true, env: runEnv(5002) });
      expect(next.exitCode, errorLine(next)).toBe(0);
      expect(next.stdout).not.toContain('is held by another run');
      expect(next.stdout).toMatch(/release registry is stuck in pending-upgrade \(revision 2\): no run holds it: the last run of this action that held it, octo\/harbor-infra, .*run 5001 attempt 1.*, has ended/);
      expect(history(sim).filter((entry) => entry.status === 'deployed')).toEqual([{ revision: 4, status: 'deployed' }]);
    });

    it('a run cancelled as a runner cancels releases its hold at once, and the next run does not wait', async () => {
      const { sim, inputs } = await cluster();
      sim.setPodReadyDelay(SLOW_PODS_MS);
      const cancelled = await runActionAndCancel(
        inputs({ replicas: '2' }),
        { when: fastPodsFromThen(sim, () => hasReleaseRecord(sim, 'pending-upgrade')) },
        { toolCache: environment.toolCache, env: runEnv(6001) },
      );
      expect(cancelled.triggered).toBe(true);
      expect(cancelled.exitCode).toBe(1);
      expect(cancelled.signals.map((s) => s.signal)).toEqual(['SIGINT']);
      // Released by the main step, within the cancel's deadline; the post step had nothing left to do.
      expect(cancelled.stdout).toMatch(new RegExp(`Released release registry \\(Lease registry/${LEASE.replace(/\./g, '\\.')}\\) after holding it`));
      expect(cancelled.post?.stdout).not.toContain('Released the hold');
      expect(cancelled.state['release-lock']).toBe('');
      expect(lease(sim)?.spec?.holderIdentity).toBe('');

      const next = await runAction(inputs({ replicas: '2' }), { toolCache: environment.toolCache, post: true, env: runEnv(6002) });
      expect(next.exitCode, errorLine(next)).toBe(0);
      expect(next.stdout).not.toContain('is held by another run');
      expect(history(sim).filter((entry) => entry.status === 'deployed')).toHaveLength(1);
    });
  });
}

describe('a token that may not touch Leases', () => {
  it('is stopped by the preflight, naming the permission and why, before any write', async () => {
    const { sim, kubeconfig } = await environment.cluster({ deniedAccess: [{ verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'registry' }] });
    const run = await runAction(environment.inputs(kubeconfig), { toolCache: environment.toolCache, post: true });
    expect(run.exitCode).toBe(1);
    expect(errorLine(run)).toBe(
      [
        "::error::the kubeconfig's user lacks a permission deploy needs; nothing was changed:",
        '  - update leases.coordination.k8s.io in namespace registry: to take, renew and release the hold on the release',
        "Grant them to the user (a Role in the namespace, a ClusterRole for cluster-wide ones), or use a kubeconfig with more rights.",
      ].join('\n'),
    );
    expect(sim.writes()).toEqual([]);
  });
});
