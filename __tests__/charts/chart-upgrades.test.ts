import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELM_VERSIONS, startDeployEnvironment, type DeployEnvironment } from '../support/deploy-environment.js';
import { HARBOR_OF_CHART, NEWEST_CHART, SUPPORTED_CHARTS } from '../support/harbor-charts.js';
import { FAULT_ANNOTATION, type KubeSim } from '../support/kube-sim/index.js';
import { runAction } from '../support/run-action.js';
import { chartInputs, errorsOf } from './chart-matrix.js';

/**
 * Every older published chart upgraded to the newest with the same inputs, under Helm 4 and 3:
 * the action's generated Secrets survive, the summary states the Harbor version change and the
 * database migration it brings, and a failed upgrade across Harbor versions is not rolled back.
 */
let environment: DeployEnvironment;
beforeAll(async () => {
  environment = await startDeployEnvironment();
});
afterAll(async () => {
  await environment?.close();
});

/** The Secrets the action generates once and must keep, whatever the chart version. */
const KEPT_SECRETS = ['registry-harbor-tke-secret-key', 'registry-harbor-tke-token', 'registry-harbor-tke-registry-credentials'];

function keptSecretData(sim: KubeSim): string {
  return JSON.stringify(KEPT_SECRETS.map((name) => sim.get('v1', 'Secret', 'registry', name)?.data));
}

const OLDER_CHARTS = SUPPORTED_CHARTS.filter((version) => version !== NEWEST_CHART);

for (const [helmName, helmVersion] of HELM_VERSIONS) {
  describe(`upgrades to chart ${NEWEST_CHART} with ${helmName}`, () => {
    const run = (inputs: Record<string, string>) => runAction({ 'helm-version': helmVersion, ...inputs }, { toolCache: environment.toolCache });

    for (const version of OLDER_CHARTS) {
      it(`from chart ${version} (Harbor ${HARBOR_OF_CHART[version]}): Secrets kept, version change and migration stated, no drift after`, async () => {
        const { sim, kubeconfig } = await environment.cluster();
        // The same inputs for both: what the older chart accepts (1.12 takes no Redis password from a Secret).
        const inputs = (chartVersion: string, extra: Record<string, string> = {}) => environment.inputs(kubeconfig, { ...chartInputs(version), 'chart-version': chartVersion, ...extra });
        const first = await run(inputs(version));
        expect(first.exitCode, errorsOf(first)).toBe(0);
        const kept = keptSecretData(sim);

        const upgraded = await run(inputs(NEWEST_CHART));
        expect(upgraded.exitCode, errorsOf(upgraded)).toBe(0);
        expect(upgraded.outputs).toMatchObject({ revision: '2', status: 'deployed', 'chart-version': NEWEST_CHART, 'app-version': HARBOR_OF_CHART[NEWEST_CHART] });
        expect(keptSecretData(sim)).toBe(kept);
        const change = `Harbor ${HARBOR_OF_CHART[version]} → ${HARBOR_OF_CHART[NEWEST_CHART]}`;
        expect(upgraded.summary).toContain(`### ${change}`);
        expect(upgraded.summary).toContain(`(chart ${version} → ${NEWEST_CHART}). Harbor core migrates the database on its first start`);
        expect(upgraded.summary).toContain('going back to revision 1 (Harbor');
        expect(upgraded.stdout).toMatch(new RegExp(`::warning title=Harbor version change::This deploy upgrades ${change}`));

        const diff = await run(inputs(NEWEST_CHART, { mode: 'diff' }));
        expect(diff.outputs.drifted, readFileSync(diff.outputs['diff-file']!, 'utf8')).toBe('false');
      });
    }

    it('leaves a failed upgrade across Harbor versions as it is, and says how to roll back', async () => {
      const { sim, kubeconfig } = await environment.cluster();
      const from = '1.18.4';
      const first = await run(environment.inputs(kubeconfig, { 'chart-version': from }));
      expect(first.exitCode, errorsOf(first)).toBe(0);
      const failing = await run(
        environment.inputs(kubeconfig, {
          'chart-version': NEWEST_CHART,
          timeout: '6s',
          set: `core.podAnnotations.${FAULT_ANNOTATION.replace(/\./g, '\\.')}=CrashLoopBackOff`,
        }),
      );
      expect(failing.exitCode).toBe(1);
      const error = errorsOf(failing);
      expect(error).toContain(`Not rolled back, although rollback-on-failure is true: Harbor ${HARBOR_OF_CHART[from]} → ${HARBOR_OF_CHART[NEWEST_CHART]} may have migrated the database already (release status: failed).`);
      expect(error).toContain('helm rollback registry 1 -n registry is safe; otherwise restore the database backup taken before this deploy first');
      expect(failing.outputs).toMatchObject({ revision: '2', status: 'failed' });
      // What the failed upgrade applied stays: nothing was rolled back behind the user's back.
      const image = (sim.get('apps/v1', 'Deployment', 'registry', 'registry-harbor-core')!.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!.image;
      expect(image).toContain(`v${HARBOR_OF_CHART[NEWEST_CHART]}`);
    });
  });
}
