import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputsOnRegistryStack, startDeployEnvironment, type DeployEnvironment } from '../support/deploy-environment.js';
import { CRASH_LOG_ANNOTATION, FAULT_ANNOTATION } from '../support/kube-sim/index.js';
import { startS3RegistryStack, type S3RegistryStack } from '../support/registry-stack/s3-stack.js';
import { projectRoot, runAction, type ActionRun } from '../support/run-action.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedInputs, seedSecrets } from '../support/seed.js';
import { lagFromNextRegistryRequest } from './registry-lag.js';
import { hostNode, packagedNode, type NodeRuntime } from './runtimes.js';

/**
 * The whole chain as a runner runs it, once under the Node 24 that `runs.using: node24` means and
 * once under Node 20 (the oldest engines.node allows): dist/index.js then dist/post.js, real helm
 * and kubectl from the tool mirror, the chart from the chart repository, a TLS kube-sim with a
 * bearer token, the COS preflight against radosgw and the smoke test through the COS-like listing
 * lag. What each mode does in detail is asserted in __tests__/modes; here: both runtimes run every
 * step cleanly (nothing on stderr: no deprecation or runtime warning), agree on the result, and no
 * run shows a secret anywhere.
 */
const runtimes: NodeRuntime[] = [packagedNode(), hostNode(20)];
const kubeToken = `e2e-kube-token-${randomBytes(12).toString('hex')}`;
/** Runner directories the runs leave in the temporary directory, removed at the end. */
const scratch: string[] = [];

let environment: DeployEnvironment;
let stack: S3RegistryStack;

beforeAll(async () => {
  [environment, stack] = await Promise.all([
    startDeployEnvironment(),
    startS3RegistryStack({ auth: 'token', username: 'admin', password: seedSecrets['admin-password'] }),
  ]);
}, 180_000);
afterAll(async () => {
  await environment?.close();
  await stack?.stop();
  for (const directory of scratch) rmSync(directory, { recursive: true, force: true });
});

function everySecret(): string[] {
  return [...Object.values(seedSecrets), stack.ceph.secretKey, kubeToken];
}

function expectNoLeaks(run: ActionRun): void {
  expect(findLeaks(run, everySecret())).toEqual([]);
}

function errorAnnotation(run: ActionRun): string {
  return (run.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? '').replace(/%0A/g, '\n');
}

/** Exit code, stderr and the error annotation together, so that a failure shows why the run failed. */
function outcome(run: ActionRun): { exitCode: number; stderr: string; error: string } {
  return { exitCode: run.exitCode, stderr: run.stderr, error: errorAnnotation(run) };
}

const succeeded = { exitCode: 0, stderr: '', error: '' };

async function cluster(): Promise<string> {
  return (await environment.cluster({ tls: true, token: kubeToken })).kubeconfig;
}

const onStack = () => inputsOnRegistryStack(stack);

function e2eDeployInputs(kubeconfig: string, extra: Record<string, string> = {}): Record<string, string> {
  return environment.inputs(kubeconfig, { 'cfs-prepare-image': 'busybox:1.36', ...extra });
}

it('action.yml runs on node24, and the suite has Node 24 and Node 20 binaries', () => {
  const action = yaml.load(readFileSync(join(projectRoot, 'action.yml'), 'utf8')) as { runs: { using: string; main: string; post: string } };
  expect(action.runs).toMatchObject({ using: 'node24', main: 'dist/index.js', post: 'dist/post.js' });
  expect(runtimes.map((runtime) => runtime.major)).toEqual([24, 20]);
});

const renderDigests = new Map<string, string>();

for (const runtime of runtimes) {
  describe(`dist/ under Node ${runtime.version}`, () => {
    const run = async (inputs: Record<string, string>): Promise<ActionRun> => {
      const result = await runAction(inputs, { nodePath: runtime.path, toolCache: environment.toolCache, post: true });
      scratch.push(result.runnerDir);
      return result;
    };
    let kubeconfig: string;
    beforeAll(async () => {
      kubeconfig = await cluster();
    });

    it('render: values and manifests without a cluster, post step clean', async () => {
      const render = await run({ ...seedInputs, 'helm-mirror': environment.binaries.url, 'chart-repo': environment.charts.url });
      if (render.outputs['values-digest']) renderDigests.set(runtime.version, render.outputs['values-digest']);
      expect(outcome(render)).toEqual(succeeded);
      expect(render.post).toMatchObject({ exitCode: 0, stderr: '' });
      expect(render.outputs['values-digest']).toMatch(/^sha256:[0-9a-f]{64}$|^[0-9a-f]{64}$/);
      expect(readFileSync(render.outputs['manifests-file']!, 'utf8')).toContain('name: registry-harbor-core');
      expectNoLeaks(render);
    });

    it('deploy, fresh: COS preflight on radosgw, install, smoke test retried through the listing lag, kubeconfig removed by post', async () => {
      const hiddenBefore = stack.lag.hiddenAnswers;
      lagFromNextRegistryRequest(stack, 3000);
      const fresh = await run(e2eDeployInputs(kubeconfig, { ...onStack(), 'storage-preflight': 'true', 'smoke-test': 'true' }));
      expect(outcome(fresh)).toEqual(succeeded);
      expect(fresh.outputs).toMatchObject({ revision: '1', status: 'deployed' });
      expect(Number(fresh.outputs['cos-list-lag-ms'])).toBeGreaterThanOrEqual(0);
      expect(fresh.outputs['smoke-test-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(Number(fresh.outputs['smoke-test-attempts'])).toBeGreaterThan(1);
      expect(stack.lag.hiddenAnswers).toBeGreaterThan(hiddenBefore);
      expect(fresh.post).toMatchObject({ exitCode: 0, stderr: '' });
      expect(existsSync(join(fresh.runnerTemp, 'harbor-tke-action', 'registry', 'kubeconfig'))).toBe(false);
      expectNoLeaks(fresh);
    });

    it('deploy again with unchanged inputs: in sync, no upgrade, no new revision', async () => {
      // The same chart values; only the checks around the install are left out.
      const again = await run(e2eDeployInputs(kubeconfig, onStack()));
      expect(outcome(again)).toEqual(succeeded);
      expect(again.outputs).toMatchObject({ revision: '1', status: 'deployed', 'in-sync': 'true' });
      expect(again.summary).toContain('in sync, revision 1');
      expect(again.post).toMatchObject({ exitCode: 0, stderr: '' });
      expectNoLeaks(again);
    });

    it('diff: read-only, reports no drift and writes the report', async () => {
      const diff = await run(e2eDeployInputs(kubeconfig, { ...onStack(), mode: 'diff' }));
      expect(outcome(diff)).toEqual(succeeded);
      expect(diff.outputs.drifted).toBe('false');
      expect(readFileSync(diff.outputs['diff-file']!, 'utf8')).toContain('No drift.');
      expect(diff.post).toMatchObject({ exitCode: 0, stderr: '' });
      expectNoLeaks(diff);
    });

    it('deploy with a crashing component: fails naming it and the cause, rolls back, post step still cleans up', async () => {
      const failing = await run(
        e2eDeployInputs(kubeconfig, {
          ...onStack(),
          timeout: '6s',
          set: `core.podAnnotations.${FAULT_ANNOTATION.replace(/\./g, '\\.')}=CrashLoopBackOff\ncore.podAnnotations.${CRASH_LOG_ANNOTATION.replace(/\./g, '\\.')}=FATAL: password authentication failed for user "postgres"`,
        }),
      );
      expect(failing.exitCode).toBe(1);
      expect(failing.stderr).toBe('');
      const error = errorAnnotation(failing);
      expect(error).toMatch(/- core: .*CrashLoopBackOff/);
      expect(error).toMatch(/rolled back/);
      expect(failing.summary).toContain('Why Harbor is not ready');
      expect(failing.post).toMatchObject({ exitCode: 0, stderr: '' });
      expect(existsSync(join(failing.runnerTemp, 'harbor-tke-action', 'registry', 'kubeconfig'))).toBe(false);
      expectNoLeaks(failing);
    });
  });
}

it('renders the same values under every runtime', () => {
  expect(renderDigests.size).toBe(runtimes.length);
  expect(new Set(renderDigests.values()).size).toBe(1);
});
