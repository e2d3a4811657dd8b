import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartUnavailableError, fetchChart } from '../../src/helm/chart-package.js';
import { clusterValueMarker, startLookupStandIn, type LookupStandIn } from '../../src/helm/lookup-stand-in.js';
import { templateChart, type TemplateRequest } from '../../src/helm/template.js';
import type { ChartSource } from '../../src/inputs/config.js';
import { clearSecretsForTests, registerSecret } from '../../src/report/redact.js';
import { ToolError } from '../../src/tools/exec.js';
import { KubeApi } from '../../src/kube/api-client.js';
import { startKubeSim } from '../support/kube-sim/index.js';
import { realBinaries } from '../support/binaries.js';
import { failureOf } from '../support/failure.js';
import { packageName, publishedCharts } from '../support/harbor-charts.js';
import { startToolMirror, type ToolMirror } from '../support/tool-mirror/server.js';

/**
 * The chart fetched once (helm pull), rendered with `helm template --dry-run=server` against the
 * lookup stand-in, with the real helm 4 and 3. The stand-in is what lets render mode, which has no
 * cluster, render the published charts whose templates `lookup` the Redis Secret.
 */
const tinyChart = resolve(__dirname, '../support/charts/tiny');
let work: string;
let chartRepo: ToolMirror;
let standIn: LookupStandIn;
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
  standIn = await startLookupStandIn('registry', { markers: [{ name: 'registry-harbor-tke-redis', keys: ['REDIS_PASSWORD'] }] }, work);
});

afterAll(async () => {
  await standIn?.close();
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
  return {
    helmPath: realBinaries().helm4,
    release: 'preview',
    namespace: 'harbor',
    chartPath: tinyChart,
    valuesFiles: [],
    outputFile: join(work, 'out', 'manifests.yaml'),
    cluster: { kubeconfig: standIn.kubeconfig, openApi: false },
    ...extra,
  };
}

const tinyObjects = [
  { kind: 'ConfigMap', name: 'preview-tiny-config', namespace: 'harbor', apiVersion: 'v1' },
  { kind: 'ClusterRole', name: 'preview-tiny-reader', apiVersion: 'rbac.authorization.k8s.io/v1' },
  { kind: 'Service', name: 'preview-tiny', namespace: 'harbor', apiVersion: 'v1' },
  { kind: 'Deployment', name: 'preview-tiny', namespace: 'harbor', apiVersion: 'apps/v1' },
];

const repositoryChart = (extra: Partial<ChartSource> = {}): ChartSource => ({ reference: 'tiny', kind: 'repository', repository: chartRepo.url, version: '0.1.0', ...extra });

describe('the chart, fetched once', () => {
  it('is pulled from a chart repository by name and version, with its metadata', async () => {
    chartRepo.reset();
    const chart = await fetchChart(realBinaries().helm4, repositoryChart(), join(work, 'fetch'));
    expect(chart).toMatchObject({ version: '0.1.0', appVersion: '1.0' });
    expect(chart.path).toBe(join(work, 'fetch', 'chart', 'tiny-0.1.0.tgz'));
    expect(chartRepo.requests).toEqual(['/index.yaml', '/tiny-0.1.0.tgz']);
  });

  it('is read in place when local', async () => {
    expect(await fetchChart(realBinaries().helm4, { reference: tinyChart, kind: 'local', version: '0.1.0' }, join(work, 'local'))).toMatchObject({ path: tinyChart, version: '0.1.0', appVersion: '1.0' });
  });

  it.each<[string, Partial<ChartSource>, string]>([
    ['an unreachable chart repository', { repository: 'http://127.0.0.1:1' }, 'cannot be reached'],
    ['a chart the repository does not have', { reference: 'harbor' }, 'not found'],
    ['a chart version the repository does not have', { version: '9.9.9' }, 'not found'],
  ])('%s is a ChartUnavailableError, so render mode can carry on with a warning', async (_name, extra, fragment) => {
    const source = repositoryChart(extra);
    const error = await failureOf(fetchChart(realBinaries().helm4, source, join(work, 'unavailable')));
    expect(error).toBeInstanceOf(ChartUnavailableError);
    expect(error.message).toContain(`chart ${source.reference} ${source.version}`);
    expect(error.message).toContain(fragment);
  });
});

describe('helm template against the lookup stand-in', () => {
  for (const major of ['helm4', 'helm3'] as const) {
    it(`renders a chart with values files into the manifests file and lists the objects (${major})`, async () => {
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

  it('a secret in the values never reaches the manifests file, though the comparison text keeps it', async () => {
    registerSecret('s3cr3t-admin-password');
    const values = join(work, 'secret-values.yaml');
    writeFileSync(values, 'message: s3cr3t-admin-password\n');
    const result = await templateChart(request({ valuesFiles: [values] }));
    const file = readFileSync(result.manifestsFile, 'utf8');
    expect(file).not.toContain('s3cr3t-admin-password');
    expect(file).toContain('message: "***"');
    expect(result.manifests).toContain('message: "s3cr3t-admin-password"');
  });

  it('a template error is a real failure (ToolError), not an unavailable chart', async () => {
    const values = join(work, 'fail-values.yaml');
    writeFileSync(values, 'failWith: "tiny refuses these values"\n');
    const error = await failureOf(templateChart(request({ valuesFiles: [values] })));
    expect(error).toBeInstanceOf(ToolError);
    expect(error.message).toContain('tiny refuses these values');
  });

  describe('the published chart 1.18.4, whose templates dereference the Redis Secret they look up', () => {
    const values = 'redis:\n  type: external\n  external:\n    addr: redis.db:6379\n    existingSecret: registry-harbor-tke-redis\ndatabase:\n  type: external\n  external:\n    host: pg.db\n';
    let chart: string;
    let valuesFile: string;
    beforeAll(async () => {
      chart = join((await publishedCharts()).directory, packageName('1.18.4'));
      valuesFile = join(work, 'harbor-values.yaml');
      writeFileSync(valuesFile, values);
    });

    it('fails under a plain helm template, which has no cluster: the bug render mode works around', async () => {
      const stderr = await new Promise<string>((done) => {
        const child = spawn(realBinaries().helm4, ['template', 'registry', chart, '-n', 'registry', '-f', valuesFile]);
        let text = '';
        child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
        child.on('close', () => done(text));
      });
      expect(stderr).toContain('nil pointer evaluating interface {}.REDIS_PASSWORD');
    });

    for (const major of ['helm4', 'helm3'] as const) {
      it(`renders against the stand-in, the looked-up password marked where the cluster fills it in (${major})`, async () => {
        const result = await templateChart(request({ helmPath: realBinaries()[major], release: 'registry', namespace: 'registry', chartPath: chart, valuesFiles: [valuesFile] }));
        expect(result.manifests).toContain(`_REDIS_URL_CORE: "redis://:${clusterValueMarker('registry-harbor-tke-redis', 'REDIS_PASSWORD')}@redis.db:6379/0?idle_timeout_seconds=30"`);
        // Secrets the stand-in does not hold are absent, as on a first install: the chart generates its own.
        expect(result.objects).toContainEqual({ kind: 'Secret', name: 'registry-harbor-core', namespace: 'registry', apiVersion: 'v1' });
      });
    }
  });

  it('reads through to the cluster once per document, for any number of renders, behind its random path', async () => {
    const sim = await startKubeSim();
    const api = KubeApi.fromKubeconfig(sim.writeKubeconfig(join(work, 'through')), undefined) as KubeApi;
    sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'registry' } });
    sim.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-harbor-tke-redis', namespace: 'registry' }, type: 'Opaque', data: { REDIS_PASSWORD: Buffer.from('the-real-password').toString('base64') } });
    const through = await startLookupStandIn('registry', { cluster: api, prefetch: ['/api/v1/namespaces/registry/secrets/registry-harbor-tke-redis'] }, join(work, 'through'));
    try {
      const chart = join((await publishedCharts()).directory, packageName('1.18.4'));
      const valuesFile = join(work, 'through-values.yaml');
      writeFileSync(valuesFile, 'redis:\n  type: external\n  external:\n    addr: redis.db:6379\n    existingSecret: registry-harbor-tke-redis\n');
      const render = () => templateChart(request({ release: 'registry', namespace: 'registry', chartPath: chart, valuesFiles: [valuesFile], isUpgrade: true, cluster: { kubeconfig: through.kubeconfig, openApi: false } }));
      const first = await render();
      expect(first.manifests).toContain('_REDIS_URL_CORE: "redis://:the-real-password@redis.db:6379/0?idle_timeout_seconds=30"');
      const afterOne = through.reads();
      expect(afterOne.fromCluster).toBeLessThan(afterOne.answered);
      const requestsBefore = sim.journal.length;
      await render();
      // The second render is answered from what the first read: not one more request reaches the API server.
      expect(through.reads().fromCluster).toBe(afterOne.fromCluster);
      expect(sim.journal.length).toBe(requestsBefore);
      const server = /server: (\S+)/.exec(readFileSync(through.kubeconfig, 'utf8'))![1]!;
      expect((await fetch(`${new URL(server).origin}/api/v1/namespaces/registry/secrets/registry-harbor-tke-redis`)).status).toBe(403);
    } finally {
      await through.close();
      api.close();
      await sim.close();
    }
  });

  it('answers reads only', async () => {
    const server = /server: (\S+)/.exec(readFileSync(standIn.kubeconfig, 'utf8'))![1]!;
    const write = await fetch(`${server}/api/v1/namespaces/registry/secrets`, { method: 'POST', body: '{}' });
    expect(write.status).toBe(405);
    const other = await fetch(`${server}/api/v1/namespaces/registry/secrets/someone-elses`);
    expect(other.status).toBe(404);
    const elsewhere = await fetch(`${server}/api/v1/namespaces/default/secrets/registry-harbor-tke-redis`);
    expect(elsewhere.status).toBe(404);
  });
});
