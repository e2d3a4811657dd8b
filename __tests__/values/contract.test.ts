import yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { contractFor, isReadByChart, leafPaths, type ChartContract } from '../../src/values/contract.js';
import { redisCredentialHandling } from '../../src/values/chart-redis.js';
import { compareChartVersions } from '../../src/values/chart-version.js';
import { buildHarborValues } from '../../src/values/generate.js';
import { contractOfPackage } from '../../scripts/chart-contract/derive.js';
import { chartPackage, SUPPORTED_CHARTS } from '../support/harbor-charts.js';
import { validate } from '../support/inputs.js';
import { seedInputs } from '../support/seed.js';

/** Each published chart's template paths, derived here from its templates (not the action's embedded copy). */
const derived = new Map<string, string[]>();
beforeAll(async () => {
  for (const version of SUPPORTED_CHARTS) derived.set(version, contractOfPackage(await chartPackage(version)));
});

function publishedContract(version: string): ChartContract {
  const paths = new Set(derived.get(version));
  const parents = new Set<string>();
  for (const path of paths) path.split('.').forEach((_, i, parts) => i > 0 && parents.add(parts.slice(0, i).join('.')));
  return { version, exact: true, paths, parents };
}

/** Configurations that between them make the generator emit every path it can. */
const configurations: Record<string, Record<string, string>> = {
  seed: seedInputs,
  'filesystem on CFS, ingress, TLS, trivy, metrics, 3 replicas': {
    ...seedInputs,
    storage: 'filesystem',
    'cos-region': '',
    'cos-bucket': '',
    'cos-endpoint': '',
    'cos-secret-id': '',
    'cos-secret-key': '',
    expose: 'ingress',
    'istio-gateway': '',
    tls: 'true',
    trivy: 'true',
    metrics: 'true',
    replicas: '3',
    'redis-username': 'harbor',
  },
  'named claims, nodePort, secrets in values': {
    ...seedInputs,
    storage: 'filesystem',
    'cos-region': '',
    'cos-bucket': '',
    'cos-endpoint': '',
    'registry-pvc': 'images',
    'jobservice-pvc': 'job-logs',
    'cfs-server': '',
    'cfs-path': '',
    expose: 'nodePort',
    'secrets-in-values': 'true',
  },
  'internal database and redis, loadBalancer': { mode: 'render', 'external-url': 'http://harbor.example.com', 'cos-region': 'ap-guangzhou', 'cos-bucket': 'h-1250000000', expose: 'loadBalancer' },
  'route (chart 1.18+)': { ...seedInputs, expose: 'route', 'istio-gateway': 'gateway-system/public', 'redis-database-indexes': 'jobservice=11,registry=12,trivy=14,cache-layer=7' },
};

function emittedPaths(inputs: Record<string, string>, version: string): string[] | undefined {
  const indexes = inputs['redis-database-indexes'];
  const adjusted: Record<string, string> = { ...inputs, 'chart-version': version };
  // harbor= and cache-layer= exist from chart 1.13 on; validation refuses them earlier.
  if (indexes && !contractFor(version).paths.has('redis.external.harborDatabaseIndex')) adjusted['redis-database-indexes'] = 'jobservice=11,registry=12,trivy=14';
  // Credentials a chart cannot take from a Secret are refused by validation (chart-redis.ts).
  const redis = redisCredentialHandling(version);
  if (inputs['secrets-in-values'] !== 'true') {
    if (!redis.passwordFromSecret) adjusted['redis-password'] = '';
    if (!redis.usernameFromSecret) adjusted['redis-username'] = '';
  }
  const { config, problems } = validate(adjusted);
  if (!config) {
    if (inputs.expose === 'route' && problems.errors.some((e) => e.input === 'expose')) return undefined;
    throw new Error(problems.errors.map((e) => `${e.input}: ${e.message}`).join('\n'));
  }
  return leafPaths(buildHarborValues(config).values);
}

describe('chart contract: every value path the action writes is read by the chart', () => {
  it('ships exactly the template paths of every published chart (npm run import-chart-contract refreshes them)', () => {
    for (const version of SUPPORTED_CHARTS) {
      expect(contractFor(version).exact).toBe(true);
      expect([...contractFor(version).paths].sort()).toEqual(derived.get(version));
    }
  });

  it('reads the paths the way the template engine resolves them: with blocks, variables, maps read whole', () => {
    const paths = derived.get('1.19.1')!;
    // `with .Values.redis` … `.external.addr`; `$storage := .Values.persistence.imageChartStorage` … `$storage.s3.bucket`
    expect(paths).toEqual(expect.arrayContaining(['redis.external.addr', 'persistence.imageChartStorage.s3.bucket', 'core.podAnnotations']));
    // Below a map read whole, nothing is listed; the chart's own jobLog claim is listed, the article's is not.
    expect(paths.filter((p) => p.startsWith('core.podAnnotations.'))).toEqual([]);
    expect(paths).toContain('persistence.persistentVolumeClaim.jobservice.jobLog.existingClaim');
    expect(paths).not.toContain('persistence.persistentVolumeClaim.jobservice.existingClaim');
    expect(derived.get('1.12.6')).not.toContain('chartmuseum.enabled');
  });

  for (const version of SUPPORTED_CHARTS) {
    for (const [name, inputs] of Object.entries(configurations)) {
      it(`chart ${version}: ${name}`, () => {
        const paths = emittedPaths(inputs, version);
        if (paths === undefined) {
          expect(compareChartVersions(version, '1.18.0')).toBeLessThan(0);
          return;
        }
        const contract = publishedContract(version);
        expect(paths.filter((path) => !isReadByChart(contract, path))).toEqual([]);
        expect(paths.length).toBeGreaterThan(20);
      });
    }
  }

  it('catches the seed article\'s dead and misplaced keys on chart 1.19.1', () => {
    const seedValues = yaml.load(`
persistence:
  persistentVolumeClaim:
    registry: {existingClaim: registry-registry}
    jobservice: {existingClaim: registry-jobservice}
chartmuseum: {enabled: false}
notary: {enabled: false}
redis:
  external: {addr: 'redis.db:6379', coreDatabaseIndex: "10", chartmuseumDatabaseIndex: "13"}
`);
    const contract = publishedContract('1.19.1');
    expect(leafPaths(seedValues).filter((path) => !isReadByChart(contract, path))).toEqual([
      'persistence.persistentVolumeClaim.jobservice.existingClaim',
      'chartmuseum.enabled',
      'notary.enabled',
      'redis.external.chartmuseumDatabaseIndex',
    ]);
  });
});
