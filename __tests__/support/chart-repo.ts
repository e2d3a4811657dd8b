import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realBinaries } from './binaries.js';
import { packageName, publishedCharts, SUPPORTED_CHARTS, UNSUPPORTED_CHART } from './harbor-charts.js';
import { startToolMirror, type ToolMirror } from './tool-mirror/server.js';
import { mirrorLayout } from './tool-mirror/layout.js';

/**
 * A chart repository on 127.0.0.1 serving the published Harbor charts (every supported minor's
 * newest patch, and 1.11.4), indexed by the real helm, so that `chart-repo` is exercised the way
 * https://helm.goharbor.io is. `extraCharts`: chart folders packaged beside them, for a test that
 * needs something no published chart does.
 */
export async function startChartRepository(extraCharts: string[] = []): Promise<ToolMirror> {
  const directory = mkdtempSync(join(tmpdir(), 'chart-repo-'));
  const { directory: published } = await publishedCharts();
  for (const version of [UNSUPPORTED_CHART, ...SUPPORTED_CHARTS]) copyFileSync(join(published, packageName(version)), join(directory, packageName(version)));
  const helm = realBinaries().helm4;
  for (const chart of extraCharts) execFileSync(helm, ['package', chart, '--destination', directory], { env: { ...process.env, HELM_CACHE_HOME: join(directory, '.cache'), HELM_CONFIG_HOME: join(directory, '.config'), HELM_DATA_HOME: join(directory, '.data') } });
  execFileSync(helm, ['repo', 'index', directory]);
  return startToolMirror(directory);
}

/** get.helm.sh and dl.k8s.io on 127.0.0.1, serving the real helm 4.1.4 / 3.18.0 and kubectl 1.34.5. */
export async function startBinaryMirror(): Promise<ToolMirror> {
  return startToolMirror(mirrorLayout().root);
}
