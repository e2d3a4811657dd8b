/**
 * Smoke test through COS-like listing lag (tier 3: docker-registry on Ceph radosgw behind the
 * listing-lag proxy), for lag windows W: time to green (from the window's start) for the native
 * client, the docker client with this retry, and plain `docker push` alone; requests sent; bytes
 * sent again. Targets from issue 4: native <= W + 2 s, no blob re-uploaded once committed, plain
 * docker push fails where ours succeeds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDockerd } from '../__tests__/support/registry-stack/dockerd.js';
import type { RecordedRequest } from '../__tests__/support/registry-stack/front.js';
import { startS3RegistryStack } from '../__tests__/support/registry-stack/s3-stack.js';
import { buildSmokeImage } from '../src/smoke/image.js';
import { runSmokeTest, type SmokeTestOptions } from '../src/smoke/index.js';
import { runTool } from '../src/tools/exec.js';
import type { BenchRow, BenchSuite } from './types.js';

const LAG_WINDOWS_MS = [2000, 8000];
const NATIVE_REPETITIONS = 3;
const USERNAME = 'admin';
const PASSWORD = 'bench-password';

export const benchSmoke: BenchSuite = async () => {
  const [stack, dockerd] = await Promise.all([startS3RegistryStack({ auth: 'token', username: USERNAME, password: PASSWORD }), startDockerd()]);
  const savedDockerHost = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = dockerd.host;
  const workDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  const options = (client: 'native' | 'docker'): SmokeTestOptions => ({
    registryUrl: stack.url,
    repository: 'library/harbor-smoke',
    username: USERNAME,
    password: PASSWORD,
    timeoutMs: 120_000,
    keep: true,
    client,
    dockerPath: dockerd.dockerPath,
    workDir,
  });
  const host = new URL(stack.url).host;
  // Plain docker has a config directory of its own, logged in once.
  const plainDockerEnv = { DOCKER_CONFIG: join(workDir, 'plain-docker-config') };
  const docker = (args: string[], stdin?: string) => runTool(dockerd.dockerPath, args, { acceptExitCodes: [1], env: plainDockerEnv, stdin });
  const rows: BenchRow[] = [];
  try {
    // Warm-up: the first writes create radosgw's pools.
    await runSmokeTest(options('native'));
    await docker(['login', '--username', USERNAME, '--password-stdin', host], PASSWORD);
    const clean = await runSmokeTest(options('native'));
    rows.push({ name: 'native, no lag: time to green', value: clean.seconds, unit: 's' });
    rows.push({ name: 'native, no lag: requests', value: clean.requests, unit: 'requests' });

    for (const windowMs of LAG_WINDOWS_MS) {
      const w = windowMs / 1000;
      const runs: Array<{ seconds: number; requests: number; bytesUploaded: number; resent: number }> = [];
      for (let repetition = 0; repetition < NATIVE_REPETITIONS; repetition += 1) {
        const before = stack.front.requests.length;
        stack.lag.startLagWindow(windowMs);
        const native = await timed(() => runSmokeTest(options('native')));
        runs.push({ seconds: native.seconds, requests: native.value.requests, bytesUploaded: native.value.bytesUploaded, resent: blobsSentAfterCommit(stack.front.requests.slice(before)) });
      }
      const native = median(runs, (run) => run.seconds);
      rows.push({ name: `native, W=${w} s: time to green (median of ${NATIVE_REPETITIONS})`, value: native.seconds, unit: 's', target: `<= ${w + 2} s`, met: native.seconds <= w + 2 });
      rows.push({ name: `native, W=${w} s: requests`, value: native.requests, unit: 'requests', baseline: { name: 'no lag', value: clean.requests } });
      rows.push({ name: `native, W=${w} s: bytes sent again (failed commits)`, value: native.bytesUploaded - clean.bytesUploaded, unit: 'bytes' });
      const resent = Math.max(...runs.map((run) => run.resent));
      rows.push({ name: `native, W=${w} s: blobs re-uploaded once committed (worst run)`, value: resent, unit: 'count', target: '0', met: resent === 0 });

      stack.lag.startLagWindow(windowMs);
      const ours = await timed(() => runSmokeTest(options('docker')));
      rows.push({ name: `docker client with this retry, W=${w} s: time to green`, value: ours.seconds, unit: 's' });

      // Plain docker push of a new image, once, through the same window.
      const image = buildSmokeImage();
      const tar = join(workDir, 'layer.tar');
      writeFileSync(tar, image.layerTar);
      const reference = `${host}/library/plain-docker:${image.tag}`;
      await docker(['import', tar, reference]);
      stack.lag.startLagWindow(windowMs);
      const plain = await timed(() => docker(['push', reference]));
      rows.push({
        name: `plain docker push (new layer), W=${w} s: ${plain.value.exitCode === 0 ? 'succeeded' : 'failed'} after`,
        value: plain.seconds,
        unit: 's',
        baseline: { name: 'docker client with this retry', value: ours.seconds },
      });
      // The common case of an image on an existing base: only the config blob is new, and docker
      // never retries a failed config blob.
      const onExistingLayer = `${host}/library/plain-docker:${image.tag}-2`;
      await docker(['import', tar, onExistingLayer]);
      stack.lag.startLagWindow(windowMs);
      const plainConfigOnly = await timed(() => docker(['push', onExistingLayer]));
      const failed = plainConfigOnly.value.exitCode !== 0;
      rows.push({
        name: `plain docker push (existing layer, new config), W=${w} s: ${failed ? 'failed' : 'succeeded'} after`,
        value: plainConfigOnly.seconds,
        unit: 's',
        target: 'fails where ours succeeds',
        met: failed,
      });
      stack.lag.startLagWindow(0);
    }
  } finally {
    if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedDockerHost;
    await Promise.all([stack.stop(), dockerd.stop()]);
    rmSync(workDir, { recursive: true, force: true });
  }
  return rows;
};

async function timed<T>(body: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await body();
  return { value, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

function median<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
}

/** Commits of a blob kind (layer, config) sent after that kind was already committed (201). */
function blobsSentAfterCommit(requests: RecordedRequest[]): number {
  const committed = new Set<string>();
  let resent = 0;
  for (const request of requests) {
    if (request.target !== 'layer-commit' && request.target !== 'config-commit') continue;
    if (committed.has(request.target)) resent += 1;
    if (request.status === 201) committed.add(request.target);
  }
  return resent;
}
