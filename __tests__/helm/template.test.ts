import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartUnavailableError, templateChart, type TemplateRequest } from '../../src/helm/template.js';
import { registerSecret, clearSecretsForTests } from '../../src/report/redact.js';
import { ToolError } from '../../src/tools/exec.js';
import { realBinaries } from '../support/binaries.js';
import { failureOf } from '../support/failure.js';
import { startToolMirror, type ToolMirror } from '../support/tool-mirror/server.js';

const tinyChart = resolve(__dirname, '../support/charts/tiny');
let work: string;
let chartRepo: ToolMirror;
const helmHomes = ['HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME'] as const;
const savedHelmHomes = helmHomes.map((name) => process.env[name]);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'helm-template-test-'));
  // helm keeps repository indexes under its homes: keep them out of the machine's ~/.cache.
  for (const name of helmHomes) process.env[name] = join(work, name.toLowerCase());
  // A chart repository of our own on 127.0.0.1: the tiny chart packaged and indexed by the real helm.
  const repoDir = join(work, 'repo');
  mkdirSync(repoDir);
  const helm = realBinaries().helm4;
  execFileSync(helm, ['package', tinyChart, '--destination', repoDir]);
  execFileSync(helm, ['repo', 'index', repoDir]);
  chartRepo = await startToolMirror(repoDir);
});

afterAll(async () => {
  await chartRepo?.close();
  rmSync(work, { recursive: true, force: true });
  clearSecretsForTests();
  helmHomes.forEach((name, index) => {
    const saved = savedHelmHomes[index];
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  });
});

function request(extra: Partial<TemplateRequest>): TemplateRequest {
  return { helmPath: realBinaries().helm4, release: 'preview', namespace: 'harbor', chart: tinyChart, valuesFiles: [], outputFile: join(work, 'out', 'manifests.yaml'), ...extra };
}

const tinyObjects = [
  { kind: 'ConfigMap', name: 'preview-tiny-config', namespace: 'harbor', apiVersion: 'v1' },
  { kind: 'ClusterRole', name: 'preview-tiny-reader', apiVersion: 'rbac.authorization.k8s.io/v1' },
  { kind: 'Service', name: 'preview-tiny', namespace: 'harbor', apiVersion: 'v1' },
  { kind: 'Deployment', name: 'preview-tiny', namespace: 'harbor', apiVersion: 'apps/v1' },
];

describe('helm template in render mode', () => {
  for (const major of ['helm4', 'helm3'] as const) {
    it(`renders a local chart with values files into the manifests file and lists the objects (${major})`, async () => {
      const values = join(work, `values-${major}.yaml`);
      writeFileSync(values, 'message: rendered-by-the-test\nreplicas: 3\n');
      const outputFile = join(work, major, 'manifests.yaml');
      const result = await templateChart(request({ helmPath: realBinaries()[major], valuesFiles: [values], outputFile }));
      expect(result.manifestsFile).toBe(outputFile);
      expect(result.objects).toEqual(tinyObjects);
      const manifests = readFileSync(outputFile, 'utf8');
      expect(manifests).toContain('message: "rendered-by-the-test"');
      expect(manifests).toContain('replicas: 3');
    });
  }

  it('fetches a chart by name and version from a chart repository', async () => {
    const result = await templateChart(request({ chart: 'tiny', chartRepo: chartRepo.url, chartVersion: '0.1.0' }));
    expect(result.objects.map((o) => `${o.kind}/${o.name}`)).toEqual(tinyObjects.map((o) => `${o.kind}/${o.name}`));
    expect(chartRepo.requests).toContain('/index.yaml');
    expect(chartRepo.requests).toContain('/tiny-0.1.0.tgz');
  });

  it('a secret in the values never reaches the manifests file', async () => {
    registerSecret('s3cr3t-admin-password');
    const values = join(work, 'secret-values.yaml');
    writeFileSync(values, 'message: s3cr3t-admin-password\n');
    const result = await templateChart(request({ valuesFiles: [values] }));
    const manifests = readFileSync(result.manifestsFile, 'utf8');
    expect(manifests).not.toContain('s3cr3t-admin-password');
    expect(manifests).toContain('message: "***"');
  });

  it.each<[string, Partial<TemplateRequest>, string]>([
    ['an unreachable chart repository', { chart: 'tiny', chartRepo: 'http://127.0.0.1:1' }, 'cannot be reached'],
    ['a chart the repository does not have', { chart: 'harbor', chartRepo: 'CHART_REPO' }, 'not found'],
    ['a chart version the repository does not have', { chart: 'tiny', chartRepo: 'CHART_REPO', chartVersion: '9.9.9' }, 'not found'],
    ['a local chart path that does not exist', { chart: '/nonexistent/charts/harbor' }, 'not found'],
  ])('%s is a ChartUnavailableError, so render mode can carry on with a warning', async (_name, extra, fragment) => {
    const chartRepoUrl = extra.chartRepo === 'CHART_REPO' ? chartRepo.url : extra.chartRepo;
    const error = await failureOf(templateChart(request({ ...extra, chartRepo: chartRepoUrl })));
    expect(error).toBeInstanceOf(ChartUnavailableError);
    expect(error.message).toContain(`chart ${extra.chart}`);
    expect(error.message).toContain(fragment);
  });

  it('a template error is a real failure (ToolError), not an unavailable chart', async () => {
    const values = join(work, 'fail-values.yaml');
    writeFileSync(values, 'failWith: "tiny refuses these values"\n');
    const error = await failureOf(templateChart(request({ valuesFiles: [values] })));
    expect(error).toBeInstanceOf(ToolError);
    expect(error).not.toBeInstanceOf(ChartUnavailableError);
    expect(error.message).toContain('tiny refuses these values');
  });
});
