import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { contractFor, isReadByChart, leafPaths, type ChartContract } from '../../src/values/contract.js';
import { compareChartVersions, OLDEST_SUPPORTED_CHART } from '../../src/values/chart-version.js';
import { buildHarborValues } from '../../src/values/generate.js';
import { validate } from '../support/inputs.js';
import { projectRoot } from '../support/run-action.js';
import { seedInputs } from '../support/seed.js';

/** The chart's own template paths, read from the shared fixtures (not the action's embedded copy). */
const fixtures = join(projectRoot, '..', 'shared', 'fixtures', 'harbor-chart-values');
const fixtureVersions = readdirSync(fixtures)
  .map((file) => /^template-paths-(.+)\.txt$/.exec(file)?.[1])
  .filter((version): version is string => Boolean(version))
  .sort(compareChartVersions);
const supportedVersions = fixtureVersions.filter((version) => compareChartVersions(version, OLDEST_SUPPORTED_CHART) >= 0);

function fixtureContract(version: string): ChartContract {
  const paths = new Set(readFileSync(join(fixtures, `template-paths-${version}.txt`), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean));
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
  const { config, problems } = validate(adjusted);
  if (!config) {
    if (inputs.expose === 'route' && problems.errors.some((e) => e.input === 'expose')) return undefined;
    throw new Error(problems.errors.map((e) => `${e.input}: ${e.message}`).join('\n'));
  }
  return leafPaths(buildHarborValues(config).values);
}

describe('chart contract: every value path the action writes is read by the chart', () => {
  it('knows the supported fixture versions', () => {
    expect(supportedVersions).toEqual(expect.arrayContaining(['1.12.0', '1.13.0', '1.18.4', '1.19.1']));
  });

  it('ships the same template paths as the fixtures (npm run import-chart-contract refreshes them)', () => {
    for (const version of supportedVersions) expect([...contractFor(version).paths].sort()).toEqual([...fixtureContract(version).paths].sort());
  });

  for (const version of supportedVersions) {
    for (const [name, inputs] of Object.entries(configurations)) {
      it(`chart ${version}: ${name}`, () => {
        const paths = emittedPaths(inputs, version);
        if (paths === undefined) {
          expect(compareChartVersions(version, '1.18.0')).toBeLessThan(0);
          return;
        }
        const contract = fixtureContract(version);
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
    const contract = fixtureContract('1.19.1');
    expect(leafPaths(seedValues).filter((path) => !isReadByChart(contract, path))).toEqual([
      'persistence.persistentVolumeClaim.jobservice.existingClaim',
      'chartmuseum.enabled',
      'notary.enabled',
      'redis.external.chartmuseumDatabaseIndex',
    ]);
  });
});
