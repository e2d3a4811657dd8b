import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostNode, packagedNode } from '../e2e/runtimes.js';
import { runActionAndCancel } from '../support/cancel.js';
import { hasReleaseRecord } from '../support/cancel-scenarios.js';
import { HELM_VERSIONS, startDeployEnvironment, type DeployEnvironment } from '../support/deploy-environment.js';
import { projectRoot, runAction as runBundle } from '../support/run-action.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedSecrets } from '../support/seed.js';

/**
 * The last line of defence (src/run/guard.ts): an error nothing caught ends the run with one
 * ::error:: that names the phase and what to do, secrets redacted, the stack at debug level only;
 * helm is stopped as on a cancel and the post step still cleans up.
 */
const runtimes = [packagedNode(), hostNode(20)];
let environment: DeployEnvironment;
const scratch = mkdtempSync(join(tmpdir(), 'unexpected-error-'));

beforeAll(async () => {
  environment = await startDeployEnvironment();
});
afterAll(async () => {
  await environment?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** The log a user reads: no ::debug:: lines (shown only with ACTIONS_STEP_DEBUG) and no ::add-mask::. */
function visibleLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => !line.startsWith('::debug::') && !line.startsWith('::add-mask::'));
}

/** Stack frames in the visible log, annotations' %0A-encoded lines included. */
function visibleStackLines(stdout: string): string[] {
  return visibleLines(stdout)
    .flatMap((line) => line.split('%0A'))
    .filter((line) => STACK_LINE.test(line));
}

const STACK_LINE = /^\s+at .+[:(]/;

async function probe(runtime: { path: string }, kind: 'undici' | 'rejection', secret: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(runtime.path, ['--import', 'tsx', join(projectRoot, '__tests__', 'support', 'guard-probe.ts'), kind, secret], { cwd: projectRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

for (const runtime of runtimes) {
  describe(`under Node ${runtime.major}`, () => {
    it("turns undici's uncatchable AssertionError into one error naming the phase, the stack at debug level only", async () => {
      const run = await probe(runtime, 'undici', 'probe-secret-7c1d0e');
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('');
      const errors = visibleLines(run.stdout).filter((line) => line.startsWith('::error::'));
      expect(errors).toEqual([expect.stringMatching(/^::error::harbor-tke-action stopped on an unexpected error during installing helm and kubectl: (The expression evaluated to a falsy value: assert\(!this\.paused\)|false == true)\. .*re-run the job/)]);
      expect(visibleStackLines(run.stdout)).toEqual([]);
      // Node 20 words the assertion itself, Node 24 does not (false == true): the frame names it.
      expect(run.stdout).toMatch(/::debug::stack of the unexpected error: AssertionError.*%0A\s+at Parser\.finish/);
    });

    it('redacts a secret in the message of an unhandled rejection', async () => {
      const secret = 'probe-secret-3b9f2a';
      const run = await probe(runtime, 'rejection', secret);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('');
      expect(visibleLines(run.stdout).filter((line) => line.startsWith('::error::'))).toEqual([
        expect.stringMatching(/^::error::harbor-tke-action stopped on an unexpected error during the smoke test: the registry answered with a token for \*\*\*\. /),
      ]);
      expect(run.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain(secret);
    });
  });
}

for (const runtime of runtimes) {
  for (const [helmName, helmVersion] of HELM_VERSIONS) {
    it(`an error thrown in the bundle during helm upgrade (${helmName}, Node ${runtime.major}): one error naming the phase, helm rolls back, the post step cleans up, the next run deploys`, async () => {
      const { sim, kubeconfig } = await environment.cluster();
      const inputs = (extra: Record<string, string> = {}) => environment.inputs(kubeconfig, { 'helm-version': helmVersion, 'cfs-prepare': 'false', ...extra });
      expect((await runBundle(inputs(), { toolCache: environment.toolCache, post: true, nodePath: runtime.path })).exitCode).toBe(0);
      sim.setPodReadyDelay(120_000);
      const trigger = join(scratch, `crash-${helmName.replace(/\W/g, '')}-${runtime.major}`);
      const secret = seedSecrets['admin-password'];
      const run = await runActionAndCancel(
        inputs({ set: 'core.image.tag=v2.15.2' }),
        {
          when: () => hasReleaseRecord(sim, 'pending-upgrade'),
          instead: () => {
            // The rollback's pods start at once (see cancel.test.ts), and the fault fires.
            sim.setPodReadyDelay(150);
            writeFileSync(trigger, '');
          },
        },
        {
          toolCache: environment.toolCache,
          nodePath: runtime.path,
          env: { NODE_OPTIONS: `--import ${join(projectRoot, '__tests__', 'support', 'crash-preload.mjs')}`, CRASH_TRIGGER_FILE: trigger, CRASH_MESSAGE: `injected fault holding ${secret}` },
        },
      );
      expect(run.triggered).toBe(true);
      expect(run.signals).toEqual([]);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toBe('');
      const errors = visibleLines(run.stdout).filter((line) => line.startsWith('::error::'));
      expect(errors).toEqual([expect.stringMatching(/^::error::harbor-tke-action stopped on an unexpected error during helm upgrade --install and the readiness wait: injected fault holding \*\*\*\. /)]);
      expect(visibleStackLines(run.stdout)).toEqual([]);
      expect(run.leftProcesses).toEqual([]);
      expect(run.outputs).toMatchObject({ cancelled: 'true', revision: '3', status: 'deployed' });
      expect(run.summary).toContain('stopped by an unexpected error during helm upgrade --install and the readiness wait');
      expect(run.summary).toContain('runs what revision 1 ran');
      expect(run.post?.exitCode).toBe(0);
      expect(existsSync(join(run.runnerTemp, 'harbor-tke-action', 'registry', 'kubeconfig'))).toBe(false);
      expect(findLeaks(run, Object.values(seedSecrets))).toEqual([]);

      const next = await runBundle(inputs({ set: 'core.image.tag=v2.15.2' }), { toolCache: environment.toolCache, post: true, nodePath: runtime.path });
      expect(next.exitCode).toBe(0);
      expect(next.outputs).toMatchObject({ revision: '4', status: 'deployed' });
    });
  }
}
