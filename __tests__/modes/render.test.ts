import { existsSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { maskedValues, projectRoot, runAction, type ActionRun } from '../support/run-action.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedAsWritten, seedInputs, seedSecrets } from '../support/seed.js';

/** Render mode through the committed bundle, with INPUT_ variables as the runner sets them. */
describe('render mode (dist/index.js as a runner runs it)', () => {
  let run: ActionRun;
  beforeAll(async () => {
    run = await runAction(seedInputs, { post: true });
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

  it('says that deploy is not in this version yet instead of pretending', async () => {
    const run = await runAction({ ...seedInputs, mode: 'deploy' });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::mode: deploy is not available in this version/);
  });
});

describe('the local runner (npm start)', () => {
  it('runs the example inputs through the bundle and prints outputs and summary', () => {
    const result = spawnSync(process.execPath, [join(projectRoot, 'bin', 'local-run.js'), join('examples', 'inputs', 'render-seed.yml')], { cwd: projectRoot, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/── outputs\nvalues-file: .*values\.yaml\nvalues-digest: sha256:[0-9a-f]{64}/);
    expect(result.stdout).toContain('── job summary\n## Harbor `registry` in `registry`: rendered values');
    expect(result.stdout).not.toContain('::');
  });

  it('refuses an input that action.yml does not declare', () => {
    const result = spawnSync(process.execPath, [join(projectRoot, 'bin', 'local-run.js'), join('__tests__', 'modes', 'fixtures', 'unknown-input.yml')], { cwd: projectRoot, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown input(s) in __tests__/modes/fixtures/unknown-input.yml: cos-secretkey');
  });
});
