import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { realBinaries } from './binaries.js';
import { startToolMirror, type ToolMirror } from './tool-mirror/server.js';
import { mirrorLayout } from './tool-mirror/layout.js';

/** The test suite's stand-in for the Harbor chart (same name, version, workload names and value paths). */
export const harborStandInChart = resolve(import.meta.dirname, 'charts', 'harbor');

/**
 * A chart repository on 127.0.0.1 (index.yaml + packaged charts, made by the real helm), so that
 * `chart-repo` is exercised the way https://helm.goharbor.io is.
 */
export async function startChartRepository(charts: string[] = [harborStandInChart]): Promise<ToolMirror> {
  const directory = mkdtempSync(join(tmpdir(), 'chart-repo-'));
  const helm = realBinaries().helm4;
  for (const chart of charts) execFileSync(helm, ['package', chart, '--destination', directory], { env: { ...process.env, HELM_CACHE_HOME: join(directory, '.cache'), HELM_CONFIG_HOME: join(directory, '.config'), HELM_DATA_HOME: join(directory, '.data') } });
  execFileSync(helm, ['repo', 'index', directory]);
  return startToolMirror(directory);
}

/** get.helm.sh and dl.k8s.io on 127.0.0.1, serving the real helm 4.1.4 / 3.18.0 and kubectl 1.34.5. */
export async function startBinaryMirror(): Promise<ToolMirror> {
  return startToolMirror(mirrorLayout().root);
}
