import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { projectRoot } from './run-action.js';

/**
 * The published Harbor charts (goharbor/harbor-helm), newest patch of each supported minor: the
 * charts users install, and so the charts the tests deploy. Oldest first; the last is the newest.
 */
export const SUPPORTED_CHARTS = ['1.12.6', '1.13.5', '1.14.3', '1.15.2', '1.16.4', '1.17.4', '1.18.4', '1.19.1'] as const;
export type SupportedChart = (typeof SUPPORTED_CHARTS)[number];
export const NEWEST_CHART: SupportedChart = '1.19.1';
/** The last chart with chartmuseum and notary: published, and refused by the action. */
export const UNSUPPORTED_CHART = '1.11.4';

/** Harbor (appVersion) of each chart, as its Chart.yaml says; tests compare the summary with it. */
export const HARBOR_OF_CHART: Record<string, string> = {
  '1.11.4': '2.7.4',
  '1.12.6': '2.8.6',
  '1.13.5': '2.9.5',
  '1.14.3': '2.10.3',
  '1.15.2': '2.11.2',
  '1.16.4': '2.12.4',
  '1.17.4': '2.13.4',
  '1.18.4': '2.14.4',
  '1.19.1': '2.15.1',
};

export const OFFICIAL_CHART_REPOSITORY = 'https://helm.goharbor.io';
/** The workplace's copy of the published charts, beside the project (absent in a clone elsewhere). */
export const SHARED_CHARTS = join(projectRoot, '..', 'shared', 'fixtures', 'harbor-charts');

export interface ChartSource {
  /** Where the packages come from: the shared folder, or a chart repository's URL. */
  origin: string;
  /** harbor-<version>.tgz for every supported chart (and the unsupported one). */
  directory: string;
}

/**
 * Finds the published chart packages: `../shared/fixtures/harbor-charts` when it is there, else
 * the chart repository in HARBOR_CHART_REPOSITORY (default https://helm.goharbor.io), each
 * package checked against the digest its index.yaml publishes and kept in a cache folder
 * (HARBOR_CHART_CACHE, default `.cache/harbor-charts` in the project) for the next run.
 */
export async function publishedCharts(env: NodeJS.ProcessEnv = process.env): Promise<ChartSource> {
  const wanted = [UNSUPPORTED_CHART, ...SUPPORTED_CHARTS];
  const repository = env.HARBOR_CHART_REPOSITORY;
  if (!repository && wanted.every((version) => existsSync(join(SHARED_CHARTS, packageName(version))))) {
    return { origin: SHARED_CHARTS, directory: SHARED_CHARTS };
  }
  const base = repository ?? OFFICIAL_CHART_REPOSITORY;
  const cache = env.HARBOR_CHART_CACHE ?? join(projectRoot, '.cache', 'harbor-charts');
  mkdirSync(cache, { recursive: true });
  const missing = wanted.filter((version) => !existsSync(join(cache, packageName(version))));
  if (missing.length > 0) {
    const indexUrl = new URL('index.yaml', base.endsWith('/') ? base : `${base}/`);
    const index = yaml.load((await download(indexUrl)).toString('utf8')) as ChartIndex;
    for (const version of missing) {
      const entry = index.entries?.harbor?.find((candidate) => candidate.version === version);
      if (!entry?.urls?.[0] || !entry.digest) throw new Error(`${indexUrl} lists no harbor ${version} with a URL and a digest`);
      const packageUrl = new URL(entry.urls[0], indexUrl);
      const bytes = await download(packageUrl);
      const digest = createHash('sha256').update(bytes).digest('hex');
      if (digest !== entry.digest) throw new Error(`${packageUrl} has sha256 ${digest}, but ${indexUrl} publishes ${entry.digest}`);
      const partial = join(cache, `${packageName(version)}.partial-${process.pid}`);
      writeFileSync(partial, bytes);
      renameSync(partial, join(cache, packageName(version)));
    }
  }
  return { origin: base, directory: cache };
}

export function packageName(version: string): string {
  return `harbor-${version}.tgz`;
}

/** One chart package's bytes. */
export async function chartPackage(version: string): Promise<Buffer> {
  const { directory } = await publishedCharts();
  return readFileSync(join(directory, packageName(version)));
}

interface ChartIndex {
  entries?: Record<string, Array<{ version: string; urls?: string[]; digest?: string }>>;
}

/** GET with redirects followed (the official index points at GitHub release assets). */
function download(url: URL, redirectsLeft = 5): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    const request = get(url, { timeout: 60_000 }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location && redirectsLeft > 0) {
        response.resume();
        download(new URL(response.headers.location, url), redirectsLeft - 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        response.resume();
        reject(new Error(`GET ${url} answered ${status}`));
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks)));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', (error) => reject(new Error(`GET ${url} failed: ${error.message}`)));
  });
}
