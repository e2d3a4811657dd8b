import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELM_VERSIONS, startDeployEnvironment, writesBesidesTheLock, type DeployEnvironment } from '../support/deploy-environment.js';
import type { KubeSim } from '../support/kube-sim/index.js';
import { kubectlByHand } from '../support/kubectl-by-hand.js';
import { runAction, type ActionRun } from '../support/run-action.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedSecrets } from '../support/seed.js';

/**
 * mode: diff and the drift check deploy makes first, with the real helm (4 and 3) and kubectl
 * against the simulated API server. Live edits are made with the real kubectl, as a person would.
 */
let environment: DeployEnvironment;

beforeAll(async () => {
  environment = await startDeployEnvironment();
});
afterAll(async () => {
  await environment?.close();
});

const cluster = () => environment.cluster();

const kubectl = kubectlByHand;

const inputs = (kubeconfig: string, extra?: Record<string, string>) => environment.inputs(kubeconfig, extra);

const run = (values: Record<string, string>): Promise<ActionRun> => runAction(values, { toolCache: environment.toolCache });

function driftReport(result: ActionRun): string {
  return readFileSync(result.outputs['diff-file']!, 'utf8');
}

describe('a release that does not exist yet', () => {
  it('is reported as not installed, not as an error', async () => {
    const { kubeconfig } = await cluster();
    const result = await run(inputs(kubeconfig, { mode: 'diff' }));
    expect(result.exitCode).toBe(0);
    expect(result.outputs.drifted).toBe('true');
    expect(driftReport(result)).toContain('The release does not exist yet');
    expect(result.summary).toContain('not installed yet');
  });
});

for (const [helmName, helmVersion] of HELM_VERSIONS) {
  describe(`drift with ${helmName}`, () => {
    let sim: KubeSim;
    let kubeconfig: string;
    let kubeconfigFile: string;

    beforeAll(async () => {
      ({ sim, kubeconfig, kubeconfigFile } = await cluster());
      const deployed = await run(inputs(kubeconfig, { 'helm-version': helmVersion }));
      expect(deployed.exitCode).toBe(0);
    });

    it('finds no drift right after a deploy', async () => {
      const result = await run(inputs(kubeconfig, { 'helm-version': helmVersion, mode: 'diff', 'fail-on-drift': 'true' }));
      expect(result.exitCode).toBe(0);
      expect(result.outputs.drifted).toBe('false');
      expect(driftReport(result)).toContain('No drift.');
      expect(result.summary).toContain('in sync (revision 1)');
    });

    it('deploys nothing when in sync: no new revision, no restart, no write but its hold on the release', async () => {
      const templates = JSON.stringify(sim.list('apps/v1', 'Deployment', 'registry').map((d) => d.spec));
      const writesBefore = writesBesidesTheLock(sim).length;
      const result = await run(inputs(kubeconfig, { 'helm-version': helmVersion }));
      expect(result.exitCode).toBe(0);
      expect(result.outputs).toMatchObject({ 'in-sync': 'true', revision: '1' });
      expect(result.summary).toContain('in sync, revision 1');
      expect(JSON.stringify(sim.list('apps/v1', 'Deployment', 'registry').map((d) => d.spec))).toBe(templates);
      expect(writesBesidesTheLock(sim).length).toBe(writesBefore);
    });

    it('names live edits made with kubectl: replicas, an image, a deleted Service', async () => {
      await kubectl(kubeconfigFile, 'scale', 'deployment/registry-harbor-portal', '-n', 'registry', '--replicas=3');
      await kubectl(kubeconfigFile, 'set', 'image', 'deployment/registry-harbor-core', '-n', 'registry', 'core=docker.io/goharbor/harbor-core:v2.15.0-patched');
      await kubectl(kubeconfigFile, 'delete', 'service', 'registry-harbor-jobservice', '-n', 'registry');
      const result = await run(inputs(kubeconfig, { 'helm-version': helmVersion, mode: 'diff', 'fail-on-drift': 'true' }));
      expect(result.exitCode).toBe(1);
      expect(result.outputs.drifted).toBe('true');
      const report = driftReport(result);
      expect(report).toContain('Deployment `registry-harbor-portal`: `spec.replicas` is 3 on the cluster, 1 declared');
      expect(report).toContain(
        'Deployment `registry-harbor-core`: `spec.template.spec.containers[core].image` is "docker.io/goharbor/harbor-core:v2.15.0-patched" on the cluster, "docker.io/goharbor/harbor-core:v2.15.1" declared',
      );
      expect(report).toContain('Service `registry-harbor-jobservice` was deleted on the cluster: a deploy re-creates it');
      expect(report).toContain('    core: new image `harbor-core` v2.15.0-patched → v2.15.1\n');
      expect(report).toContain('-  replicas: 3\n+  replicas: 1\n');
      expect(result.stdout).toMatch(/::error::drift found \(fail-on-drift\)/);
    });

    it('repairs the live edits with a deploy, which then reports in sync', async () => {
      const repaired = await run(inputs(kubeconfig, { 'helm-version': helmVersion }));
      expect(repaired.exitCode).toBe(0);
      expect(repaired.outputs).toMatchObject({ 'in-sync': 'false', revision: '2' });
      expect(repaired.summary).toContain('### What this deploy changed');
      expect(repaired.summary).toContain('Service `registry-harbor-jobservice` was deleted on the cluster: a deploy re-creates it');
      expect((sim.get('apps/v1', 'Deployment', 'registry', 'registry-harbor-portal')!.spec as { replicas: number }).replicas).toBe(1);
      expect(sim.get('v1', 'Service', 'registry', 'registry-harbor-jobservice')).toBeDefined();
      const after = await run(inputs(kubeconfig, { 'helm-version': helmVersion, mode: 'diff' }));
      expect(after.outputs.drifted).toBe('false');
    });

    it('finds a changed input in the values and the manifests', async () => {
      const result = await run(inputs(kubeconfig, { 'helm-version': helmVersion, mode: 'diff', replicas: '2' }));
      expect(result.outputs.drifted).toBe('true');
      const report = driftReport(result);
      expect(report).toContain('    core: scales 1 → 2\n');
      expect(report).toMatch(/--- Deployment registry-harbor-core: changed\n@@ [^\n]+\n(?: [^\n]*\n)*- {2}replicas: 1\n\+ {2}replicas: 2\n/);
      expect(report).toMatch(/--- values \(helm get values → declared\)\n[\s\S]*- {2}replicas: 1\n\+ {2}replicas: 2\n/);
    });

    it('reports a Secret changed out of band by name, never its value', async () => {
      const secret = sim.get('v1', 'Secret', 'registry', 'registry-harbor-tke-database')!;
      const leaked = 'out-of-band-password-Zx91';
      sim.put({ ...secret, data: { password: Buffer.from(leaked).toString('base64') } });
      const result = await run(inputs(kubeconfig, { 'helm-version': helmVersion, mode: 'diff' }));
      expect(result.outputs.drifted).toBe('true');
      expect(driftReport(result)).toContain('Secrets that change: `registry-harbor-tke-database` (password) (values never shown)');
      expect(findLeaks(result, [leaked, ...Object.values(seedSecrets)])).toEqual([]);
      sim.put(secret);
    });
  });
}
