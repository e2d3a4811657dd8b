import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realBinaries } from '../support/binaries.js';
import { failureOf } from '../support/failure.js';
import { packageName, publishedCharts, SHARED_CHARTS, SUPPORTED_CHARTS, UNSUPPORTED_CHART } from '../support/harbor-charts.js';
import { startToolMirror, type ToolMirror } from '../support/tool-mirror/server.js';

/**
 * Where the tests take the published charts from: the workplace's shared copy, or, in a clone
 * anywhere else, the official chart repository. The official one is out of reach here, so a copy
 * of its layout (index.yaml with absolute package URLs, as helm.goharbor.io publishes) stands in.
 */
const VERSIONS = [UNSUPPORTED_CHART, ...SUPPORTED_CHARTS];
let officialLayout: ToolMirror;
let reference: string;

beforeAll(async () => {
  reference = (await publishedCharts({})).directory;
  const directory = mkdtempSync(join(tmpdir(), 'official-chart-repo-'));
  for (const version of VERSIONS) copyFileSync(join(reference, packageName(version)), join(directory, packageName(version)));
  officialLayout = await startToolMirror(directory);
  execFileSync(realBinaries().helm4, ['repo', 'index', directory, '--url', officialLayout.url]);
});
afterAll(async () => {
  await officialLayout?.close();
});

describe('the published charts', () => {
  it('come from the shared fixtures when they are beside the project', async () => {
    expect(await publishedCharts({})).toEqual({ origin: SHARED_CHARTS, directory: SHARED_CHARTS });
  });

  it('come from a chart repository into a cache otherwise, checked against its index digests, and the cache serves the next run', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'chart-cache-'));
    const env = { HARBOR_CHART_REPOSITORY: officialLayout.url, HARBOR_CHART_CACHE: cache };
    officialLayout.reset();
    const source = await publishedCharts(env);
    expect(source).toEqual({ origin: officialLayout.url, directory: cache });
    for (const version of VERSIONS) expect(readFileSync(join(cache, packageName(version))).equals(readFileSync(join(reference, packageName(version))))).toBe(true);
    expect(officialLayout.requests).toEqual(['/index.yaml', ...VERSIONS.map((version) => `/${packageName(version)}`)]);
    officialLayout.reset();
    await publishedCharts(env);
    expect(officialLayout.requests).toEqual([]);
  });

  it('are refused when a package does not match the digest its index publishes', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'chart-cache-'));
    const tampered = join(cache, 'tampered.tgz');
    writeFileSync(tampered, Buffer.concat([readFileSync(join(reference, packageName('1.19.1'))), Buffer.from('x')]));
    officialLayout.override(`/${packageName('1.19.1')}`, { file: tampered });
    try {
      const error = await failureOf(publishedCharts({ HARBOR_CHART_REPOSITORY: officialLayout.url, HARBOR_CHART_CACHE: join(cache, 'cache') }));
      expect(error.message).toMatch(/harbor-1\.19\.1\.tgz has sha256 [0-9a-f]{64}, but .*index\.yaml publishes [0-9a-f]{64}/);
    } finally {
      officialLayout.reset();
    }
  });
});
