import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSmokeTest, SmokeTestError, type SmokeTestOptions } from '../../src/smoke/index.js';
import { startDockerd, type StartedDockerd } from '../support/registry-stack/dockerd.js';
import { startS3RegistryStack, type S3RegistryStack } from '../support/registry-stack/s3-stack.js';
import { PASSWORD, REPOSITORY, USERNAME, fetchManifest, scratchDir } from './support.js';

// Tier 3: the registry on a real S3 server (Ceph radosgw) whose listings lag behind its writes,
// so the 500 on push comes from the registry itself, as on COS. Tier 4 (dockerd) for the docker client.
let stack: S3RegistryStack;
let dockerd: StartedDockerd;
const workDir = scratchDir();

beforeAll(async () => {
  [stack, dockerd] = await Promise.all([startS3RegistryStack({ auth: 'token', username: USERNAME, password: PASSWORD }), startDockerd()]);
  // The docker CLI (run through runTool, which passes the environment on) talks to this test's dockerd.
  process.env.DOCKER_HOST = dockerd.host;
});
afterAll(async () => {
  await Promise.all([stack?.stop(), dockerd?.stop()]);
  rmSync(workDir, { recursive: true, force: true });
});

function options(overrides: Partial<SmokeTestOptions> = {}): SmokeTestOptions {
  return {
    registryUrl: stack.url,
    repository: REPOSITORY,
    username: USERNAME,
    password: PASSWORD,
    timeoutMs: 60_000,
    keep: true,
    client: 'native',
    workDir,
    ...overrides,
  };
}

/** Uploads whose commit the registry failed because the bucket listing did not show them (logged more than once each). */
const pathNotFound = (log: string): number => new Set(log.match(/Path not found: \S*_uploads\/[^/]+\/data/g) ?? []).size;

describe('native client through S3 listing lag', () => {
  it.each([0, 2000, 8000])('lag window of %i ms: pushed, read back, no committed blob re-sent', async (windowMs) => {
    const failuresBefore = pathNotFound(stack.registry.log());
    const requestsBefore = stack.front.requests.length;
    stack.lag.startLagWindow(windowMs);
    const result = await runSmokeTest(options());
    const commits = stack.front.requests.slice(requestsBefore).filter((request) => request.target === 'layer-commit' || request.target === 'config-commit');
    const registryFailures = pathNotFound(stack.registry.log()) - failuresBefore;
    if (windowMs === 0) {
      expect(result.attempts).toBe(1);
      expect(registryFailures).toBe(0);
    } else {
      // The registry itself answered 500 for each commit it could not list, and the last commit went through.
      expect(result.attempts).toBeGreaterThan(1);
      expect(registryFailures).toBeGreaterThan(0);
      expect(commits.filter((request) => request.status === 500)).toHaveLength(registryFailures);
    }
    for (const kind of ['layer-commit', 'config-commit']) {
      const answers = commits.filter((request) => request.target === kind).map((request) => request.status);
      expect(answers.at(-1)).toBe(201);
      expect(answers.filter((status) => status === 201)).toHaveLength(1);
    }
    expect(await fetchManifest(stack.url, result.digest)).toEqual({ status: 200, digest: result.digest });
  });

  it('lag outlasting smoke-test-timeout: fails naming COS listing consistency, from the 500 body and from the registry log', async () => {
    stack.lag.startLagWindow(120_000);
    try {
      const fromBody = await runSmokeTest(options({ timeoutMs: 2500 })).catch((error: unknown) => error);
      expect(fromBody).toBeInstanceOf(SmokeTestError);
      expect((fromBody as SmokeTestError).kind).toBe('timeout');
      expect((fromBody as SmokeTestError).registryErrorCode).toBe('UNKNOWN');
      expect((fromBody as SmokeTestError).diagnosis?.cause).toMatch(/COS listing consistency/);

      const fromLog = await runSmokeTest(options({ timeoutMs: 2500, readRegistryLog: () => Promise.resolve(stack.registry.log()) })).catch((error: unknown) => error);
      expect((fromLog as SmokeTestError).kind).toBe('timeout');
      expect((fromLog as SmokeTestError).message).toMatch(/COS listing consistency/);
    } finally {
      stack.lag.startLagWindow(0);
    }
  });

  it('cleans up through the Harbor API afterwards', async () => {
    const result = await runSmokeTest(options({ keep: false, repository: 'library/s3-cleanup' }));
    expect(result.cleanedUp).toBe(true);
    expect((await fetchManifest(stack.url, result.digest, 'library/s3-cleanup')).status).toBe(404);
  });
});

describe('docker client through S3 listing lag', () => {
  it.each([0, 2000, 8000])('lag window of %i ms: docker push re-run until it goes through, digest verified', async (windowMs) => {
    stack.lag.startLagWindow(windowMs);
    const result = await runSmokeTest(options({ client: 'docker', dockerPath: dockerd.dockerPath, backoffBaseMs: 250, keep: false }));
    expect(result.cleanedUp).toBe(true);
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
