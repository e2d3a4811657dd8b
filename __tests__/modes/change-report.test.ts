import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorsOf } from '../charts/chart-matrix.js';
import { startDeployEnvironment, type DeployEnvironment } from '../support/deploy-environment.js';
import type { KubeSim } from '../support/kube-sim/index.js';
import { kubectlByHand } from '../support/kubectl-by-hand.js';
import { runAction, type ActionRun } from '../support/run-action.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedSecrets } from '../support/seed.js';

/**
 * The change report of mode: diff, on the published charts and kube-sim with the real helm and
 * kubectl: its summary block (versions, what restarts and why, objects, Secrets, live edits), its
 * size against a PR comment and a step summary, and no secret in it in any form. Where it predicts
 * restarts, the deploy that follows is checked against the prediction: exactly the components it
 * named get a new pod template.
 */
let environment: DeployEnvironment;
beforeAll(async () => {
  environment = await startDeployEnvironment();
});
afterAll(async () => {
  await environment?.close();
});

const PR_COMMENT_LIMIT = 65_536;
const STEP_SUMMARY_BYTES = 1024 * 1024;
const COMPONENTS = ['core', 'jobservice', 'registry', 'portal', 'nginx'];

const run = (inputs: Record<string, string>) => runAction(inputs, { toolCache: environment.toolCache });

async function deployed(extra: Record<string, string> = {}): Promise<{ sim: KubeSim; kubeconfig: string; kubeconfigFile: string; inputs: (more?: Record<string, string>) => Record<string, string> }> {
  const cluster = await environment.cluster();
  const inputs = (more: Record<string, string> = {}) => environment.inputs(cluster.kubeconfig, { ...extra, ...more });
  const first = await run(inputs());
  expect(first.exitCode, errorsOf(first)).toBe(0);
  return { ...cluster, inputs };
}

/** The summary block: from its heading to the folded-noise list or the first diff. */
function summaryBlock(summary: string): string {
  const start = summary.indexOf('### What a deploy changes');
  expect(start, summary).toBeGreaterThan(0);
  const rest = summary.slice(start);
  const end = rest.search(/\nFolded, not repeated per object:|\n<details>/);
  return end < 0 ? rest : rest.slice(0, end + 1);
}

/** Components the summary table says restart. */
function restartsNamed(summary: string): string[] {
  return [...summaryBlock(summary).matchAll(/^\| ([\w-]+) \| \*\*yes\*\* \|/gm)].map((m) => m[1]!).sort();
}

function podTemplates(sim: KubeSim): Map<string, string> {
  return new Map(COMPONENTS.map((c) => [c, JSON.stringify((sim.get('apps/v1', 'Deployment', 'registry', `registry-harbor-${c}`)?.spec as { template?: unknown } | undefined)?.template)]));
}

function restartedBetween(before: Map<string, string>, after: Map<string, string>): string[] {
  return COMPONENTS.filter((c) => before.get(c) !== after.get(c)).sort();
}

/** Every value the action's Secrets hold on the cluster (generated ones included). */
function clusterSecretValues(sim: KubeSim): string[] {
  return sim
    .list('v1', 'Secret', 'registry')
    .filter((s) => s.metadata.name?.startsWith('registry-harbor-tke-'))
    .flatMap((s) => Object.values((s.data as Record<string, string> | undefined) ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8')))
    .filter((v) => v.length >= 8);
}

/** The report fits where it goes, and no secret shows in it, in its files, outputs or logs. */
function expectFitsAndHidesSecrets(result: ActionRun, secrets: string[]): void {
  expect(result.summary.length).toBeLessThanOrEqual(PR_COMMENT_LIMIT);
  expect(Buffer.byteLength(result.summary)).toBeLessThanOrEqual(STEP_SUMMARY_BYTES);
  expect(readFileSync(result.outputs['summary-file']!, 'utf8').trimEnd()).toBe(result.summary.trimEnd());
  expect(findLeaks(result, [...Object.values(seedSecrets), ...secrets])).toEqual([]);
}

function diffFile(result: ActionRun): string {
  return readFileSync(result.outputs['diff-file']!, 'utf8');
}

describe('change reports', () => {
  it('an upgrade across Harbor versions: the version change, every component restarting for its new image, the version label folded', async () => {
    const { sim, inputs } = await deployed({ 'chart-version': '1.18.4' });
    const diff = await run(inputs({ 'chart-version': '1.19.1', mode: 'diff' }));
    expect(diff.exitCode, errorsOf(diff)).toBe(0);
    const block = summaryBlock(diff.summary);
    expect(block).toContain('**Harbor 2.14.4 → 2.15.1 (chart 1.18.4 → 1.19.1)**');
    expect(restartsNamed(diff.summary)).toEqual([...COMPONENTS].sort());
    for (const [component, image] of [
      ['core', 'harbor-core'],
      ['jobservice', 'harbor-jobservice'],
      ['portal', 'harbor-portal'],
      ['nginx', 'nginx-photon'],
    ]) {
      expect(block).toMatch(new RegExp(`^\\| ${component} \\| \\*\\*yes\\*\\* \\| new image \`${image}\` v2\\.14\\.4 → v2\\.15\\.1`, 'm'));
    }
    expect(block).toContain('| registry | **yes** | new images `registry-photon` v2.14.4 → v2.15.1, `harbor-registryctl` v2.14.4 → v2.15.1; config changed: ConfigMap `registry-harbor-registry` (`config.yml`)');
    expect(block).toMatch(/\*\*Objects\*\*: 21 changed \(7 ConfigMap, 5 Deployment, 5 Service, 4 Secret\) · none added · none removed/);
    expect(block).toContain('**Secrets that change**: none');
    expect(block).toContain('**Live edits a deploy undoes**: none');
    expect(block).toContain('- **Database**: Harbor core migrates the database schema on its first start with 2.15.1, and 2.14.4 cannot run on the migrated schema: going back needs a database backup taken before this deploy');

    // Noise: one line each, not one per object; no checksum pair, no version label in a diff line.
    const report = diffFile(diff);
    expect(report).toContain('label `app.kubernetes.io/version` "2.14.4" → "2.15.1" on 21 objects');
    expect(report).toMatch(/checksum annotations \(`checksum\/configmap`.*\) on 5 workload\(s\): read as the restart reasons above/);
    expect(report).toMatch(/field\(s\) on \d+ object\(s\) that state or leave out a value the API server sets anyway/);
    const changedLines = report.split('\n').filter((line) => /^[-+] /.test(line) || /^[-+]\s/.test(line));
    expect(changedLines.filter((line) => line.includes('app.kubernetes.io/version') || line.includes('checksum/'))).toEqual([]);
    expect(report).not.toMatch(/[0-9a-f]{64}/);
    expect(report).toContain('-          image: goharbor/harbor-core:v2.14.4\n+          image: docker.io/goharbor/harbor-core:v2.15.1\n');
    // A timeout is shown, not hidden as a guessed secret.
    expect(report).toContain("+  REGISTRY_HTTP_CLIENT_TIMEOUT: '30'");
    expectFitsAndHidesSecrets(diff, clusterSecretValues(sim));

    const before = podTemplates(sim);
    const upgrade = await run(inputs({ 'chart-version': '1.19.1' }));
    expect(upgrade.exitCode, errorsOf(upgrade)).toBe(0);
    expect(restartedBetween(before, podTemplates(sim))).toEqual(restartsNamed(diff.summary));
    expect(upgrade.summary).toContain('### What this deploy changed');
    expect(upgrade.summary).toContain('| core | **yes** | new image `harbor-core` v2.14.4 → v2.15.1 |');
    expect(readFileSync(upgrade.outputs['diff-file']!, 'utf8')).toBe(report.replace('What a deploy changes', 'What this deploy changed'));
    expectFitsAndHidesSecrets(upgrade, clusterSecretValues(sim));
  });

  it('a database port change: core restarts for its ConfigMap, and the port is shown', async () => {
    const { sim, inputs } = await deployed();
    const diff = await run(inputs({ 'database-port': '6432', mode: 'diff' }));
    const block = summaryBlock(diff.summary);
    expect(block).toContain('**Harbor 2.15.1, unchanged (chart 1.19.1, unchanged)**');
    expect(restartsNamed(diff.summary)).toEqual(['core']);
    expect(block).toContain('| core | **yes** | config changed: ConfigMap `registry-harbor-core` (`POSTGRESQL_PORT`) |');
    expect(block).toContain('**Objects**: 2 changed (1 ConfigMap, 1 Deployment) · none added · none removed');
    expect(block).toContain('**Values**: 1 differ');
    expect(block).not.toContain('**Database**');
    const report = diffFile(diff);
    expect(report).toContain("-  POSTGRESQL_PORT: '5432'\n+  POSTGRESQL_PORT: '6432'\n");
    expect(report).toContain("-    port: '5432'\n+    port: '6432'\n");
    expect(report).toContain('Changed only as folded above: Deployment registry-harbor-core');
    expectFitsAndHidesSecrets(diff, clusterSecretValues(sim));

    const before = podTemplates(sim);
    const changed = await run(inputs({ 'database-port': '6432' }));
    expect(changed.exitCode, errorsOf(changed)).toBe(0);
    expect(restartedBetween(before, podTemplates(sim))).toEqual(['core']);
  });

  it('a replicas-only change: every component scales, none restarts', async () => {
    const { sim, inputs } = await deployed();
    const diff = await run(inputs({ replicas: '2', mode: 'diff' }));
    const block = summaryBlock(diff.summary);
    expect(restartsNamed(diff.summary)).toEqual([]);
    expect(block).toContain('No component restarts.');
    for (const component of COMPONENTS) expect(block).toContain(`| ${component} | no | scales 1 → 2 |`);
    expect(block).toContain('**Objects**: 5 changed (5 Deployment) · none added · none removed');
    expectFitsAndHidesSecrets(diff, clusterSecretValues(sim));

    const before = podTemplates(sim);
    const scaled = await run(inputs({ replicas: '2' }));
    expect(scaled.exitCode, errorsOf(scaled)).toBe(0);
    expect(restartedBetween(before, podTemplates(sim))).toEqual([]);
    expect((sim.get('apps/v1', 'Deployment', 'registry', 'registry-harbor-portal')!.spec as { replicas: number }).replicas).toBe(2);
  });

  it('live edits made with kubectl: each named as undone by a deploy, with what restarts for it', async () => {
    const { sim, kubeconfigFile, inputs } = await deployed();
    await kubectlByHand(kubeconfigFile, 'scale', 'deployment/registry-harbor-portal', '-n', 'registry', '--replicas=3');
    await kubectlByHand(kubeconfigFile, 'set', 'image', 'deployment/registry-harbor-core', '-n', 'registry', 'core=docker.io/goharbor/harbor-core:v2.15.0-patched');
    await kubectlByHand(kubeconfigFile, 'patch', 'configmap/registry-harbor-jobservice-env', '-n', 'registry', '--type=merge', '-p', '{"data":{"LOG_LEVEL":"debug"}}');
    await kubectlByHand(kubeconfigFile, 'delete', 'service', 'registry-harbor-portal', '-n', 'registry');
    const diff = await run(inputs({ mode: 'diff' }));
    expect(diff.outputs.drifted).toBe('true');
    const block = summaryBlock(diff.summary);
    expect(restartsNamed(diff.summary)).toEqual(['core']);
    expect(block).toContain('| core | **yes** | new image `harbor-core` v2.15.0-patched → v2.15.1 |');
    expect(block).toContain('| portal | no | scales 3 → 1 |');
    expect(block).toContain('**Objects**: 3 changed (2 Deployment, 1 ConfigMap) · 1 added (1 Service) · none removed');
    expect(block).toContain('- Deployment `registry-harbor-portal`: `spec.replicas` is 3 on the cluster, 1 declared');
    expect(block).toContain('- ConfigMap `registry-harbor-jobservice-env`: `data.LOG_LEVEL` is "debug" on the cluster, "info" declared');
    expect(block).toContain('- Service `registry-harbor-portal` was deleted on the cluster: a deploy re-creates it');
    expect(block).toMatch(/- Deployment `registry-harbor-core`: `spec\.template\.spec\.containers\[core\]\.image` is "docker\.io\/goharbor\/harbor-core:v2\.15\.0-patched" on the cluster/);
    // The jobservice pods keep running with the edited value: a deploy sets the ConfigMap back without restarting them.
    expect(block).toContain('jobservice reads ConfigMap `registry-harbor-jobservice-env` (envFrom) and does not restart: it keeps the old value until its pods restart');
    expectFitsAndHidesSecrets(diff, clusterSecretValues(sim));

    const before = podTemplates(sim);
    const repaired = await run(inputs());
    expect(repaired.exitCode, errorsOf(repaired)).toBe(0);
    expect(restartedBetween(before, podTemplates(sim))).toEqual(['core']);
    expect(sim.get('v1', 'Service', 'registry', 'registry-harbor-portal')).toBeDefined();
    expect((sim.get('v1', 'ConfigMap', 'registry', 'registry-harbor-jobservice-env')!.data as Record<string, string>).LOG_LEVEL).toBe('info');
  });

  describe('Secret rotation', () => {
    it('a new Redis password: its Secret named, the components whose ConfigMaps carry a copy restart, no value shown', async () => {
      const { sim, inputs } = await deployed();
      const rotated = 'rotated-Redis-pass+/ 9981';
      const old = clusterSecretValues(sim);
      const diff = await run(inputs({ 'redis-password': rotated, mode: 'diff' }));
      const block = summaryBlock(diff.summary);
      expect(block).toContain('**Secrets that change**: `registry-harbor-tke-redis` (REDIS_PASSWORD) (values never shown)');
      expect(restartsNamed(diff.summary)).toEqual(['core', 'jobservice', 'registry']);
      expect(block).toContain(
        '| core | **yes** | config changed: ConfigMap `registry-harbor-core` (`_REDIS_URL_CORE`, `_REDIS_URL_REG`, `_REDIS_URL_HARBOR`: copies of Secret registry-harbor-tke-redis, key REDIS_PASSWORD, which changes) |',
      );
      // The URL stays readable around the hidden password: host, port and database.
      const report = diffFile(diff);
      expect(report).toContain('-  _REDIS_URL_CORE: redis://:(secret)@redis.db:6379/0?idle_timeout_seconds=30\n');
      expect(report).toContain('+  _REDIS_URL_CORE: redis://:(secret, changed)@redis.db:6379/0?idle_timeout_seconds=30\n');
      expect(report).toContain('-  REDIS_PASSWORD: (secret)\n+  REDIS_PASSWORD: (secret, changed)\n');
      expectFitsAndHidesSecrets(diff, [...old, rotated]);

      const before = podTemplates(sim);
      const applied = await run(inputs({ 'redis-password': rotated }));
      expect(applied.exitCode, errorsOf(applied)).toBe(0);
      expect(restartedBetween(before, podTemplates(sim))).toEqual(['core', 'jobservice', 'registry']);
      expectFitsAndHidesSecrets(applied, [...old, rotated]);
    });

    it('a new database password: its Secret named, nothing restarts, and the report says core keeps the old one', async () => {
      const { sim, inputs } = await deployed();
      const rotated = 'rotated-db-pass-Q7w!';
      const old = clusterSecretValues(sim);
      const diff = await run(inputs({ 'database-password': rotated, mode: 'diff' }));
      const block = summaryBlock(diff.summary);
      expect(block).toContain('**Secrets that change**: `registry-harbor-tke-database` (password) (values never shown)');
      expect(block).toContain('No component restarts.');
      expect(block).toContain(
        'core reads Secret `registry-harbor-tke-database` (env POSTGRESQL_PASSWORD) and does not restart: it keeps the old value until its pods restart (`kubectl rollout restart deployment/registry-harbor-core -n registry`)',
      );
      expectFitsAndHidesSecrets(diff, [...old, rotated]);

      const before = podTemplates(sim);
      const applied = await run(inputs({ 'database-password': rotated }));
      expect(applied.exitCode, errorsOf(applied)).toBe(0);
      expect(restartedBetween(before, podTemplates(sim))).toEqual([]);
    });
  });

  it('a change too large for a PR comment: the summary block whole, diffs cut at whole objects, the diff-file complete', async () => {
    const { sim, inputs } = await deployed();
    // A long annotation, different on every component's pods (so not folded): each Deployment's diff alone is ~14,000 characters.
    const note = 'x'.repeat(14_000);
    // And one that is the same everywhere: folded into one line, its value cut there.
    const values = COMPONENTS.map((c) => `${c}:\n  podAnnotations:\n    note: ${c}-${note}\n    shared: ${note.slice(0, 2_000)}`).join('\n');
    const diff = await run(inputs({ values, mode: 'diff' }));
    expect(diff.exitCode, errorsOf(diff)).toBe(0);
    expect(restartsNamed(diff.summary)).toEqual([...COMPONENTS].sort());
    expect(summaryBlock(diff.summary)).toContain('| core | **yes** | pod annotations `note`, `shared` |');
    expect(diff.summary).toMatch(/- annotation `shared` absent → "x{90,}…" on 5 objects\n/);
    const left = /\*\*(\d+) of (\d+) details left out\*\* to keep this report under 64,000 characters \(what a pull-request comment holds\): the full report is the `diff-file` output/.exec(diff.summary);
    expect(left, diff.summary.slice(-500)).not.toBeNull();
    const shown = (diff.summary.match(/<details><summary>/g) ?? []).length;
    expect(shown + Number(left![1])).toBe(Number(left![2]));
    // Cut between objects: every diff that is shown is whole (its fence closed).
    expect((diff.summary.match(/^```diff$/gm) ?? []).length).toBe((diff.summary.match(/^```$/gm) ?? []).length);
    const report = diffFile(diff);
    for (const component of COMPONENTS) expect(report).toContain(`--- Deployment registry-harbor-${component}: changed`);
    expect(report.length).toBeGreaterThan(5 * note.length);
    expectFitsAndHidesSecrets(diff, clusterSecretValues(sim));
  });
});
