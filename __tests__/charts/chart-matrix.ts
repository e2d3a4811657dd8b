import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeployEnvironment, writesBesidesTheLock, type DeployEnvironment } from '../support/deploy-environment.js';
import { HARBOR_OF_CHART, type SupportedChart } from '../support/harbor-charts.js';
import type { KubeSim } from '../support/kube-sim/index.js';
import { runAction, type ActionRun } from '../support/run-action.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedSecrets } from '../support/seed.js';

/**
 * Every published chart through the action's jobs, with the real helm and kubectl on kube-sim:
 * render (no cluster) with and without each optional secret, deploy, diff right after, an
 * unchanged re-deploy, and a real change. One describe per chart version and Helm major.
 */
export const COMPONENTS = ['core', 'jobservice', 'registry', 'portal', 'nginx'] as const;
export const REDIS_USERNAME = 'harbor-acl';

/**
 * The seed inputs for a chart: chart 1.12 takes a Redis password only from its values (the
 * action refuses it there unless secrets-in-values), so its deploys run against a Redis without one.
 */
export function chartInputs(version: SupportedChart): Record<string, string> {
  return { 'chart-version': version, ...(version.startsWith('1.12.') ? { 'redis-password': '' } : {}) };
}

export function podTemplates(sim: KubeSim): string {
  return JSON.stringify(COMPONENTS.map((component) => (sim.get('apps/v1', 'Deployment', 'registry', `registry-harbor-${component}`)?.spec as { template?: unknown } | undefined)?.template));
}

/** The error lines of a run, unfolded. */
export function errorsOf(run: ActionRun): string {
  return run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::error'))
    .map((line) => line.replace(/%0A/g, '\n'))
    .join('\n');
}

interface RenderCase {
  name: string;
  inputs: Record<string, string>;
  /** Chart minors (1.x) that refuse the case, with the input named in the error. */
  refusedBy?: { minors: number[]; input: string };
  /** Whether the chart copies the Redis password into ConfigMaps (from 1.13 on, when one is given). */
  redisCopied: boolean;
}

const NO_OPTIONAL_SECRET = { 'redis-password': '', 'redis-username': '', 'database-password': '', 'cos-secret-id': '', 'cos-secret-key': '', 'admin-password': '' };

const RENDER_CASES: RenderCase[] = [
  { name: 'no optional secret', inputs: NO_OPTIONAL_SECRET, redisCopied: false },
  { name: 'a Redis password', inputs: { ...NO_OPTIONAL_SECRET, 'redis-password': seedSecrets['redis-password'] }, refusedBy: { minors: [12], input: 'redis-password' }, redisCopied: true },
  {
    name: 'a Redis password and username',
    inputs: { ...NO_OPTIONAL_SECRET, 'redis-password': seedSecrets['redis-password'], 'redis-username': REDIS_USERNAME },
    refusedBy: { minors: [12, 13, 14, 15, 16, 17], input: 'redis-' },
    redisCopied: true,
  },
  { name: 'a database password', inputs: { ...NO_OPTIONAL_SECRET, 'database-password': seedSecrets['database-password'] }, redisCopied: false },
  { name: 'every secret', inputs: {}, refusedBy: { minors: [12], input: 'redis-password' }, redisCopied: true },
];

function minorOf(version: string): number {
  return Number(version.split('.')[1]);
}

export function describeChartMatrix(helmName: string, helmVersion: string, versions: readonly SupportedChart[]): void {
  let environment: DeployEnvironment;
  beforeAll(async () => {
    environment = await startDeployEnvironment();
  });
  afterAll(async () => {
    await environment?.close();
  });
  const run = (inputs: Record<string, string>) => runAction({ 'helm-version': helmVersion, ...inputs }, { toolCache: environment.toolCache });

  for (const version of versions) {
    describe(`chart ${version} (Harbor ${HARBOR_OF_CHART[version]}) with ${helmName}`, () => {
      let sim: KubeSim;
      let kubeconfig: string;
      const inputs = (extra: Record<string, string> = {}) => environment.inputs(kubeconfig, { ...chartInputs(version), ...extra });

      beforeAll(async () => {
        ({ sim, kubeconfig } = await environment.cluster());
      });

      it('renders without a cluster, with and without each optional secret', async () => {
        for (const renderCase of RENDER_CASES) {
          const result = await run({ ...environment.inputs('', { 'chart-version': version, mode: 'render', ...renderCase.inputs }), kubeconfig: '' });
          const refused = renderCase.refusedBy?.minors.includes(minorOf(version));
          if (refused) {
            expect(result.exitCode, renderCase.name).toBe(1);
            expect(errorsOf(result), renderCase.name).toMatch(new RegExp(`${renderCase.refusedBy!.input}[a-z]*: chart ${version.replace(/\./g, '\\.')} .*To fix, use chart-version 1\\.19\\.1, or secrets-in-values: true`));
            continue;
          }
          expect(result.exitCode, `${renderCase.name}: ${errorsOf(result)}`).toBe(0);
          const manifests = readFileSync(result.outputs['manifests-file']!, 'utf8');
          expect(manifests, renderCase.name).toContain(`name: registry-harbor-core`);
          const copied = renderCase.redisCopied && minorOf(version) >= 13;
          expect(result.summary.includes('Values the cluster fills in'), renderCase.name).toBe(copied);
          if (copied) {
            expect(result.summary).toContain('| ConfigMap `registry-harbor-core` | `_REDIS_URL_CORE` | Secret `registry-harbor-tke-redis`, key `REDIS_PASSWORD` |');
            expect(manifests).toContain('from-cluster~registry-harbor-tke-redis~REDIS_PASSWORD@redis.db:6379');
          }
          expect(findLeaks(result, Object.values(seedSecrets)), renderCase.name).toEqual([]);
        }
      });

      it('deploys, and every component becomes ready', async () => {
        const deployed = await run(inputs());
        expect(deployed.exitCode, errorsOf(deployed)).toBe(0);
        expect(deployed.outputs).toMatchObject({ revision: '1', status: 'deployed', 'chart-version': version, 'app-version': HARBOR_OF_CHART[version] });
        for (const component of COMPONENTS) expect(deployed.stdout).toMatch(new RegExp(`✓ ${component} ready after`));
        if (minorOf(version) >= 13) expect(deployed.summary).toContain('| ConfigMap `registry-harbor-core` | `_REDIS_URL_CORE` | Secret `registry-harbor-tke-redis`, key `REDIS_PASSWORD` |');
        expect(findLeaks(deployed, Object.values(seedSecrets))).toEqual([]);
      });

      it('finds no drift right after the deploy', async () => {
        const diff = await run(inputs({ mode: 'diff' }));
        expect(diff.exitCode, errorsOf(diff)).toBe(0);
        expect(diff.outputs.drifted, readFileSync(diff.outputs['diff-file']!, 'utf8')).toBe('false');
      });

      it('re-deploys the same inputs as in sync: no new revision, no pod template changed, nothing written but its hold on the release', async () => {
        const templates = podTemplates(sim);
        const writes = writesBesidesTheLock(sim).length;
        const again = await run(inputs());
        expect(again.exitCode, errorsOf(again)).toBe(0);
        expect(again.outputs).toMatchObject({ 'in-sync': 'true', revision: '1' });
        expect(podTemplates(sim)).toBe(templates);
        expect(writesBesidesTheLock(sim).length).toBe(writes);
      });

      it('reports a real change with diff, and applies it with deploy', async () => {
        const diff = await run(inputs({ mode: 'diff', replicas: '2' }));
        expect(diff.outputs.drifted).toBe('true');
        const report = readFileSync(diff.outputs['diff-file']!, 'utf8');
        // Charts before 1.18 also restart core: its Secret's checksum changes with every render.
        expect(report).toMatch(/\n {4}core: (?:.*; )?scales 1 → 2\n/);
        expect(report).toMatch(/--- Deployment registry-harbor-core: changed\n@@ [^\n]+\n(?: [^\n]*\n)*- {2}replicas: 1\n\+ {2}replicas: 2\n/);
        const changed = await run(inputs({ replicas: '2' }));
        expect(changed.exitCode, errorsOf(changed)).toBe(0);
        expect(changed.outputs).toMatchObject({ 'in-sync': 'false', revision: '2' });
        expect((sim.get('apps/v1', 'Deployment', 'registry', 'registry-harbor-core')!.spec as { replicas: number }).replicas).toBe(2);
        const after = await run(inputs({ mode: 'diff', replicas: '2' }));
        expect(after.outputs.drifted).toBe('false');
      });
    });
  }
}
