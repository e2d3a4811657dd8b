/**
 * Installer figures against the local mirror of the real binaries (__tests__/support/tool-mirror),
 * which runs in a process of its own so the server's work is not measured with the client's:
 * - cold install (download + verify + extract + cache) against warm (tool-cache hit);
 * - download with SHA-256 computed while streaming against a plain download of the same bytes
 *   with the same client, over bare loopback (CPU-bound: the worst case for hashing) and over a
 *   link limited to 50 MB/s (closer to a runner's real download).
 * Every figure is the median of several repetitions in this run.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { mirrorLayout } from '../__tests__/support/tool-mirror/layout.js';
import { startToolMirrorProcess } from '../__tests__/support/tool-mirror/process.js';
import { sendHttp } from '../src/net/http-request.js';
import { downloadToFile, type RetryPolicy } from '../src/tools/download.js';
import { installHelm, installKubectl, type InstallOptions } from '../src/tools/install.js';
import type { BenchRow, BenchSuite } from './types.js';

const INSTALL_REPETITIONS = 5;
const DOWNLOAD_REPETITIONS = 12;
const LIMITED_RATE = 50 * 1024 * 1024;
const retry: RetryPolicy = { attempts: 1, baseDelayMs: 1, idleTimeoutMs: 30_000 };
const options: InstallOptions = { platform: { os: 'linux', arch: 'amd64' }, retry };
/** Nothing listens here: a warm install that made any request would fail. */
const UNREACHABLE_MIRROR = 'http://127.0.0.1:1';

export const benchTools: BenchSuite = async () => {
  const layout = mirrorLayout();
  const mirror = await startToolMirrorProcess();
  const limitedMirror = await startToolMirrorProcess({ bytesPerSecond: LIMITED_RATE });
  const scratch = mkdtempSync(join(tmpdir(), 'bench-tools-'));
  const savedEnv = { cache: process.env['RUNNER_TOOL_CACHE'], temp: process.env['RUNNER_TEMP'] };
  const rows: BenchRow[] = [];
  try {
    let runner = 0;
    const freshRunner = (): void => {
      runner += 1;
      process.env['RUNNER_TOOL_CACHE'] = join(scratch, `runner-${runner}`, 'tool-cache');
      process.env['RUNNER_TEMP'] = join(scratch, `runner-${runner}`, 'temp');
    };

    const tools = [
      ['helm', (mirrorUrl: string) => installHelm({ mirror: mirrorUrl, version: layout.helm4.version }, options), layout.helm4.version],
      ['kubectl', (mirrorUrl: string) => installKubectl({ mirror: mirrorUrl, version: layout.kubectl.version }, options), layout.kubectl.version],
    ] as const;
    for (const [label, install, version] of tools) {
      const cold = await median(INSTALL_REPETITIONS, async () => {
        freshRunner();
        return time(() => install(mirror.url));
      });
      // The last fresh runner holds the tool now; the mirror given is unreachable on purpose.
      const warm = await median(INSTALL_REPETITIONS, () => time(() => install(UNREACHABLE_MIRROR)));
      rows.push({ name: `${label} ${version} install, cold (download + verify + extract + run once + cache)`, value: cold, unit: 'ms' });
      rows.push({
        name: `${label} ${version} install, warm (tool-cache hit, mirror unreachable: no request possible)`,
        value: warm,
        unit: 'ms',
        baseline: { name: 'cold install', value: cold },
        target: 'warm <= 5% of cold',
        met: warm <= 0.05 * cold,
      });
    }

    const kubectlBytes = readFileSync(join(layout.root, layout.kubectl.path));
    const hashOnly = await median(DOWNLOAD_REPETITIONS, () => time(async () => createHash('sha256').update(kubectlBytes).digest('hex')));
    rows.push({ name: `SHA-256 of the kubectl binary in memory (${(kubectlBytes.length / 1e6).toFixed(1)} MB), CPU cost alone`, value: hashOnly, unit: 'ms' });

    for (const [label, base, path] of [
      [`helm archive (${layout.helm4.archive}), loopback`, mirror.url, `/${layout.helm4.archive}`],
      ['kubectl binary, loopback', mirror.url, `/${layout.kubectl.path}`],
      [`kubectl binary, link limited to ${LIMITED_RATE / 1024 / 1024} MB/s`, limitedMirror.url, `/${layout.kubectl.path}`],
    ] as const) {
      const url = `${base}${path}`;
      const target = join(scratch, 'download');
      const plainTimes: number[] = [];
      const verifiedTimes: number[] = [];
      await plainDownload(url, target);
      // Interleaved in ABBA order, so drift on a shared machine and any first/second effect hit both alike.
      for (let i = 0; i < DOWNLOAD_REPETITIONS; i++) {
        const plainFirst = i % 4 === 0 || i % 4 === 3;
        for (const verifiedTurn of plainFirst ? [false, true] : [true, false]) {
          if (verifiedTurn) verifiedTimes.push(await time(() => downloadToFile(url, target, retry)));
          else plainTimes.push(await time(() => plainDownload(url, target)));
        }
      }
      const plain = middle(plainTimes);
      const verified = middle(verifiedTimes);
      rows.push({ name: `${label}: plain download to disk (same node:http client, no hashing)`, value: plain, unit: 'ms' });
      rows.push({
        name: `${label}: download with SHA-256 computed while streaming`,
        value: verified,
        unit: 'ms',
        baseline: { name: 'plain download', value: plain },
        target: 'verification overhead <= 10%',
        met: verified <= 1.1 * plain,
      });
    }
  } finally {
    await Promise.all([mirror.stop(), limitedMirror.stop()]);
    rmSync(scratch, { recursive: true, force: true });
    restore('RUNNER_TOOL_CACHE', savedEnv.cache);
    restore('RUNNER_TEMP', savedEnv.temp);
  }
  return rows;
};

async function plainDownload(url: string, file: string): Promise<void> {
  const response = await sendHttp(new URL(url), { idleTimeoutMs: retry.idleTimeoutMs });
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  await pipeline(response.body, createWriteStream(file));
}

async function time(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

async function median(repetitions: number, measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < repetitions; i++) values.push(await measure());
  return middle(values);
}

function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
  return Math.round(median * 10) / 10;
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
