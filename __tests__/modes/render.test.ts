import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { startBinaryMirror, startChartRepository } from '../support/chart-repo.js';
import { startKubeSim } from '../support/kube-sim/index.js';
import { maskedValues, projectRoot, runAction as runBundle, type ActionRun, type RunActionOptions } from '../support/run-action.js';
import type { ToolMirror } from '../support/tool-mirror/server.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedAsWritten, seedInputs, seedSecrets } from '../support/seed.js';

let binaries: ToolMirror;
let charts: ToolMirror;
let toolCache: string;

beforeAll(async () => {
  binaries = await startBinaryMirror();
  charts = await startChartRepository();
});
afterAll(async () => {
  await binaries?.close();
  await charts?.close();
});

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, { cwd: projectRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
  });
}

/** The bundle with helm and the chart served from 127.0.0.1, and one tool cache for the file. */
async function runAction(inputs: Record<string, string>, options: RunActionOptions = {}): Promise<ActionRun> {
  const run = await runBundle({ 'helm-mirror': binaries.url, 'chart-repo': charts.url, ...inputs }, { toolCache, ...options });
  toolCache ??= join(run.runnerDir, 'tool-cache');
  return run;
}

/** Render mode through the committed bundle, with INPUT_ variables as the runner sets them. */
describe('render mode (dist/index.js as a runner runs it)', () => {
  let run: ActionRun;
  beforeAll(async () => {
    run = await runAction(seedInputs, { post: true });
  });

  it('renders the chart from the chart repository with the installed helm, and lists its objects', () => {
    const manifests = readFileSync(run.outputs['manifests-file']!, 'utf8');
    expect(manifests).toContain('name: registry-harbor-core');
    expect(run.outputs['helm-version']).toBe('v4.1.4');
    expect(charts.requests).toContain('/index.yaml');
    // The published 1.19.1 with the seed: 5 Deployments, 5 Services, 7 ConfigMaps, 4 Secrets.
    expect(run.summary).toContain('### Objects the chart renders (21)');
    expect(run.summary).toContain('| Deployment | `registry-harbor-registry` |');
  });

  it('names the values the cluster fills in: the Redis password chart 1.19 copies from its Secret into ConfigMaps', () => {
    expect(run.summary).toContain('### Values the cluster fills in');
    for (const key of ['_REDIS_URL_CORE', '_REDIS_URL_REG', '_REDIS_URL_HARBOR']) {
      expect(run.summary).toContain(`| ConfigMap \`registry-harbor-core\` | \`${key}\` | Secret \`registry-harbor-tke-redis\`, key \`REDIS_PASSWORD\` |`);
    }
    expect(run.summary).toContain('| ConfigMap `registry-harbor-jobservice` | `config.yml` |');
    const manifests = readFileSync(run.outputs['manifests-file']!, 'utf8');
    expect(manifests).toContain('redis://:from-cluster~registry-harbor-tke-redis~REDIS_PASSWORD@redis.db:6379/10?idle_timeout_seconds=30');
  });

  it('sends the cluster not a single request, even with a kubeconfig at hand', async () => {
    const sim = await startKubeSim();
    try {
      const kubeconfig = readFileSync(sim.writeKubeconfig(mkdtempSync(join(tmpdir(), 'render-kubeconfig-'))), 'utf8');
      const rendered = await runAction({ ...seedInputs, kubeconfig });
      expect(rendered.exitCode).toBe(0);
      expect(readFileSync(rendered.outputs['manifests-file']!, 'utf8')).toContain('name: registry-harbor-core');
      expect(sim.journal).toEqual([]);
    } finally {
      await sim.close();
    }
  });

  it('carries on without manifests, with a warning, when the chart cannot be fetched', async () => {
    const offline = await runAction({ ...seedInputs, 'chart-repo': 'http://127.0.0.1:9' });
    expect(offline.exitCode).toBe(0);
    expect(offline.outputs['values-digest']).toBe(run.outputs['values-digest']);
    expect(offline.outputs['manifests-file']).toBeUndefined();
    expect(offline.stdout).toMatch(/::warning title=helm template::Manifests not rendered \(the values are\): chart harbor/);
  });

  it('fails closed when the helm download does not match its checksum', async () => {
    const tampered = await runAction({ ...seedInputs, 'helm-sha256': '0'.repeat(64) }, { toolCache: undefined });
    expect(tampered.exitCode).toBe(1);
    expect(tampered.stdout).toMatch(/::error::.*helm-sha256/);
    expect(tampered.outputs['manifests-file']).toBeUndefined();
  });

  it('succeeds and sets the outputs', () => {
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs['values-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.outputs['values-file']).toBe(join(run.runnerTemp, 'harbor-tke-action', 'registry', 'values.yaml'));
  });

  it('writes the golden values and a private values file', () => {
    const file = run.outputs['values-file']!;
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(projectRoot, '__tests__', 'values', 'golden', 'seed-1.19.1.values.yaml'), 'utf8'));
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('writes the objects deploy would create, secrets replaced by their source', () => {
    const objects = yaml.loadAll(readFileSync(run.outputs['objects-file']!, 'utf8')) as { kind: string; metadata: { name: string } }[];
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      expect.arrayContaining(['Secret/registry-harbor-tke-s3', 'PersistentVolume/registry-registry-harbor-jobservice-cfs', 'PersistentVolumeClaim/registry-harbor-jobservice-cfs', 'VirtualService/registry-imroc-cc']),
    );
  });

  it('writes a job summary with the derivation table and the values, and a copy for later steps', () => {
    expect(run.summary.trimEnd()).toBe(readFileSync(run.outputs['summary-file']!, 'utf8').trimEnd());
    expect(run.summary).toContain('rendered values');
    expect(run.summary).toContain('| `persistence.imageChartStorage.s3.region` | `"ap-chengdu"` | input cos-region |');
    expect(run.summary).toContain('| Secret | `registry-harbor-tke-s3` | COS keys for the registry (S3 driver): REGISTRY_STORAGE_S3_ACCESSKEY, REGISTRY_STORAGE_S3_SECRETKEY |');
    expect(run.summary).toContain('```yaml\n# Harbor chart 1.19.1 values');
  });

  it('masks every secret input and its base64 with the runner, and leaks none of them anywhere', () => {
    const masked = maskedValues(run.stdout);
    for (const secret of Object.values(seedSecrets)) {
      expect(masked).toContain(secret);
      expect(masked).toContain(Buffer.from(secret).toString('base64'));
    }
    expect(findLeaks(run, Object.values(seedSecrets))).toEqual([]);
  });

  it('gives the same digest for the same inputs, and another for changed ones', async () => {
    const again = await runAction(seedInputs);
    expect(again.outputs['values-digest']).toBe(run.outputs['values-digest']);
    const changed = await runAction({ ...seedInputs, replicas: '2' });
    expect(changed.outputs['values-digest']).not.toBe(run.outputs['values-digest']);
  });

  it('needs no secrets to render', async () => {
    // The Redis password stays: whether Redis has one decides whether the values reference a Secret.
    const withoutSecrets = await runAction(Object.fromEntries(Object.entries(seedInputs).filter(([name]) => !(name in seedSecrets) || name === 'redis-password')));
    expect(withoutSecrets.exitCode).toBe(0);
    expect(withoutSecrets.outputs['values-digest']).toBe(run.outputs['values-digest']);
  });

  it('masks secrets in the preview with secrets-in-values', async () => {
    const inValues = await runAction({ ...seedInputs, 'secrets-in-values': 'true' });
    expect(inValues.exitCode).toBe(0);
    const values = readFileSync(inValues.outputs['values-file']!, 'utf8');
    expect(yaml.load(values)).toMatchObject({ persistence: { imageChartStorage: { s3: { accesskey: '***', secretkey: '***' } } }, harborAdminPassword: '***' });
    expect(findLeaks(inValues, Object.values(seedSecrets))).toEqual([]);
  });
});

describe('invalid inputs through the bundle', () => {
  it('fails with every problem listed, writes nothing, and leaks no secret', async () => {
    const run = await runAction({ ...seedAsWritten, 'external-url': 'https://registry.imroc.cc/harbor' });
    expect(run.exitCode).toBe(1);
    const error = run.stdout.split('\n').find((line) => line.startsWith('::error::'))!;
    expect(error).toContain('3 input problems; nothing was done:');
    expect(error).toMatch(/external-url: .*remove the path/);
    expect(error).toMatch(/cos-region: "ap-chegndu" differs from the region of cos-endpoint/);
    expect(error).toMatch(/redis-database-indexes: chartmuseum was removed/);
    expect(run.summary).toContain('the inputs need fixing');
    // Only the summary's copy, for a PR comment: no values, no objects.
    expect(Object.keys(run.outputs)).toEqual(['summary-file']);
    expect(run.summary.trimEnd()).toBe(readFileSync(run.outputs['summary-file']!, 'utf8').trimEnd());
    expect(existsSync(join(run.runnerTemp, 'harbor-tke-action', 'registry', 'values.yaml'))).toBe(false);
    expect(findLeaks(run, Object.values(seedSecrets))).toEqual([]);
  });

  it('asks for a cluster before deploying, naming the input', async () => {
    const run = await runAction({ ...seedInputs, mode: 'deploy' }, { env: { KUBECONFIG: '' } });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::1 input problem; nothing was done:%0A {2}- kubeconfig: no kubeconfig input and KUBECONFIG is not set/);
  });
});

describe('the local runner (npm start)', () => {
  it('runs the example inputs through the bundle and prints outputs and summary', async () => {
    // The example as it is, with helm and the chart from this machine instead of the internet.
    const inputsFile = join(mkdtempSync(join(tmpdir(), 'local-run-')), 'inputs.yml');
    writeFileSync(inputsFile, `${readFileSync(join(projectRoot, 'examples', 'inputs', 'render-seed.yml'), 'utf8')}\nhelm-mirror: ${binaries.url}\nchart-repo: ${charts.url}\n`);
    // Asynchronously: this process serves the mirror and the chart repository.
    const result = await runNode([join(projectRoot, 'bin', 'local-run.js'), inputsFile], { ...process.env, RUNNER_TOOL_CACHE: join(dirname(inputsFile), 'tool-cache') });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const outputs = result.stdout.slice(result.stdout.indexOf('── outputs'), result.stdout.indexOf('── job summary'));
    expect(outputs).toMatch(/^values-file: .*values\.yaml$/m);
    expect(outputs).toMatch(/^values-digest: sha256:[0-9a-f]{64}$/m);
    expect(result.stdout).toContain('── job summary\n## Harbor `registry` in `registry`: rendered values');
    expect(result.stdout).toMatch(/manifests-file: .*manifests\.yaml/);
    expect(result.stdout).not.toContain('::');
  });

  it('overrides inputs of the file with --set, and refuses an undeclared one there too', async () => {
    const inputsFile = join(projectRoot, 'examples', 'inputs', 'render-seed.yml');
    const env = { ...process.env, RUNNER_TOOL_CACHE: mkdtempSync(join(tmpdir(), 'tool-cache-')) };
    const overridden = await runNode([join(projectRoot, 'bin', 'local-run.js'), inputsFile, '--set', `helm-mirror=${binaries.url}`, '--set', `chart-repo=${charts.url}`, '--set', 'release=preview'], env);
    expect(overridden.status).toBe(0);
    expect(overridden.stdout).toContain('── job summary\n## Harbor `preview` in `registry`: rendered values');
    const unknown = await runNode([join(projectRoot, 'bin', 'local-run.js'), inputsFile, '--set', 'cos-secretkey=x'], env);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown input(s) in --set: cos-secretkey');
  });

  it('refuses an input that action.yml does not declare', () => {
    const result = spawnSync(process.execPath, [join(projectRoot, 'bin', 'local-run.js'), join('__tests__', 'modes', 'fixtures', 'unknown-input.yml')], { cwd: projectRoot, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown input(s) in __tests__/modes/fixtures/unknown-input.yml: cos-secretkey');
  });
});
