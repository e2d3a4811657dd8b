import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CancelledRun } from '../support/cancel.js';
import { images, NEW_CORE_IMAGE, releaseState, runScenario as runScenarioWith, startCancelWorld, type CancelWorld, type ScenarioName } from '../support/cancel-scenarios.js';
import { HELM_VERSIONS } from '../support/deploy-environment.js';
import { hostNode, packagedNode } from '../e2e/runtimes.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedSecrets } from '../support/seed.js';

/**
 * Runs cancelled the way a GitHub runner cancels them (support/cancel.ts: SIGINT to node alone,
 * SIGTERM at 7.5 s, SIGKILL at 10 s, then the post step), at each phase of a deploy and during a
 * diff, with the real Helm 4 and 3 on kube-sim (scenarios in support/cancel-scenarios.ts). Each
 * checks what a user would find afterwards: the release state and the images that run, no helm or
 * kubectl left running, the post step's cleanup, one error, a summary and outputs that say what
 * happened, and a next run with the same inputs that succeeds with the default stuck-release: fail.
 */
let world: CancelWorld;
/** The bundle under the Node 24 that action.yml names, and under Node 20. */
const runtimes = [packagedNode(), hostNode(20)];

beforeAll(async () => {
  world = await startCancelWorld();
}, 180_000);
afterAll(async () => {
  await world?.close();
});

/** What every cancelled run must show, whatever the phase. */
function expectStoppedCleanly(run: CancelledRun, phase: string): void {
  expect(run.triggered).toBe(true);
  // Ended by itself, before the runner had to send SIGTERM: only the SIGINTs went out.
  expect(run.signals.map((s) => s.signal).filter((s) => s !== 'SIGINT')).toEqual([]);
  expect(run.signal).toBeUndefined();
  expect(run.exitCode).toBe(1);
  expect(run.leftProcesses).toEqual([]);
  expect(run.stderr).toBe('');
  expect(run.outputs.cancelled).toBe('true');
  const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
  expect(errors).toEqual([expect.stringContaining(`::error::The run was cancelled (SIGINT) during ${phase}.`)]);
  expect(run.summary).toContain(`cancelled (SIGINT) during ${phase}`);
  expect(run.post?.exitCode).toBe(0);
  expect(existsSync(join(run.runnerTemp, 'harbor-tke-action', 'registry', 'kubeconfig'))).toBe(false);
  expect(existsSync(join(run.runnerTemp, 'harbor-tke-action', 'registry', 'values.yaml'))).toBe(false);
  // No half-done tool download or extraction is left.
  expect(readdirSync(run.runnerTemp).filter((entry) => /^harbor-tke-action-(helm|kubectl)-/.test(entry))).toEqual([]);
  expect(findLeaks(run, Object.values(seedSecrets))).toEqual([]);
}

const HELM_PHASE = 'helm upgrade --install and the readiness wait';

for (const runtime of runtimes) {
  for (const [helmName, helmVersion] of HELM_VERSIONS) {
    describe(`a deploy cancelled with ${helmName}, under Node ${runtime.major}`, () => {
      const runScenario = (name: ScenarioName) => runScenarioWith(world, name, helmVersion, runtime.path);

      it('before helm (downloading it): the release is as it was, and the next run deploys', async () => {
        const { sim, run, imagesBefore, next } = await runScenario('before helm');
        expectStoppedCleanly(run, 'installing helm and kubectl');
        expect(run.summary).toContain('helm had not started');
        expect(releaseState(sim)).toEqual({ revision: 1, status: 'deployed' });
        expect(images(sim)).toEqual(imagesBefore);

        const again = await next();
        expect(again.exitCode).toBe(0);
        expect(again.outputs).toMatchObject({ revision: '2', status: 'deployed' });
        expect(images(sim)['registry-harbor-core']).toEqual([NEW_CORE_IMAGE]);
      });

      it('during helm upgrade of a first install: helm removes the install, and the next run installs', async () => {
        const { sim, run, next } = await runScenario('helm upgrade (install)');
        expectStoppedCleanly(run, HELM_PHASE);
        expect(run.stdout).toMatch(/Release "?registry"? has been cancelled/);
        expect(releaseState(sim)).toBeUndefined();
        expect(run.summary).toContain('is not installed');
        // helm removes what it had created by then. It returns from a cancelled install while its
        // own install goroutine still creates objects (helm pkg/action/install.go,
        // performInstallCtx): on a loaded machine a few may outlive the uninstall, carrying this
        // release's ownership annotations. The next install adopts them.
        const leftOver = Object.keys(images(sim));

        const again = await next();
        expect(again.exitCode).toBe(0);
        expect(again.outputs).toMatchObject({ revision: '1', status: 'deployed' });
        expect(Object.keys(images(sim)).sort()).toEqual(expect.arrayContaining(leftOver));
      });

      it('during helm upgrade of an upgrade: helm rolls back, the old images run, and the next run upgrades', async () => {
        const { sim, run, imagesBefore, next } = await runScenario('helm upgrade (upgrade)');
        expectStoppedCleanly(run, HELM_PHASE);
        expect(releaseState(sim)).toEqual({ revision: 3, status: 'deployed' });
        expect(run.outputs).toMatchObject({ revision: '3', status: 'deployed' });
        expect(run.summary).toContain('runs what revision 1 ran');
        expect(images(sim)).toEqual(imagesBefore);

        const again = await next();
        expect(again.exitCode).toBe(0);
        expect(again.outputs).toMatchObject({ revision: '4', status: 'deployed' });
        expect(images(sim)['registry-harbor-core']).toEqual([NEW_CORE_IMAGE]);
      });

      it('during the readiness wait, twice (a second Cancel): helm rolls back once, and the next run upgrades', async () => {
        const { sim, run, imagesBefore, next } = await runScenario('readiness wait');
        expectStoppedCleanly(run, HELM_PHASE);
        expect(run.signals.map((s) => s.signal)).toEqual(['SIGINT', 'SIGINT']);
        expect(run.stdout).toContain('SIGINT again while stopping');
        expect(releaseState(sim)).toEqual({ revision: 3, status: 'deployed' });
        expect(images(sim)).toEqual(imagesBefore);

        const again = await next();
        expect(again.exitCode).toBe(0);
        expect(images(sim)['registry-harbor-core']).toEqual([NEW_CORE_IMAGE]);
      });

      it('during the smoke test (after helm): the deploy stands, the summary says so, and the next run passes', async () => {
        const { sim, run, next } = await runScenario('smoke test');
        expectStoppedCleanly(run, 'the smoke test');
        expect(run.summary).toContain('The deploy stands');
        expect(run.outputs).toMatchObject({ revision: '1', status: 'deployed' });
        expect(releaseState(sim)).toEqual({ revision: 1, status: 'deployed' });

        const again = await next();
        expect(again.exitCode).toBe(0);
        expect(again.outputs['smoke-test-digest']).toMatch(/^sha256:/);
      });

      it('during diff: nothing changes, and the next diff runs', async () => {
        const { sim, run, imagesBefore, writesBefore, next } = await runScenario('diff');
        expectStoppedCleanly(run, 'comparing the release with the inputs (diff)');
        expect(run.summary).toContain('mode diff changes nothing');
        expect(sim.writes().length).toBe(writesBefore);
        expect(releaseState(sim)).toEqual({ revision: 1, status: 'deployed' });
        expect(images(sim)).toEqual(imagesBefore);

        const again = await next();
        expect(again.exitCode).toBe(0);
        expect(again.outputs.drifted).toBe('false');
      });
    });
  }
}
