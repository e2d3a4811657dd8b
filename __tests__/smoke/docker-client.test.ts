import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSmokeTest, SmokeTestError, type SmokeTestOptions } from '../../src/smoke/index.js';
import { startDockerd, type StartedDockerd } from '../support/registry-stack/dockerd.js';
import { startRegistryStack, type RegistryStack } from '../support/registry-stack/stack.js';
import { FAULTS_ONCE, PASSWORD, REPOSITORY, USERNAME, captureJobLog, fetchManifest, passwordForms, scratchDir } from './support.js';

// Tier 4 (dockerd) pushing to tier 2 (Harbor-like token front with faults, docker-registry).
let harbor: RegistryStack;
let dockerd: StartedDockerd;
const workDir = scratchDir();

beforeAll(async () => {
  [harbor, dockerd] = await Promise.all([startRegistryStack({ auth: 'token', harborApi: true, username: USERNAME, password: PASSWORD }), startDockerd()]);
  // The docker CLI (run through runTool, which passes the environment on) talks to this test's dockerd.
  process.env.DOCKER_HOST = dockerd.host;
});
afterAll(async () => {
  await Promise.all([harbor?.stop(), dockerd?.stop()]);
  rmSync(workDir, { recursive: true, force: true });
});
afterEach(() => harbor.front.clearFaults());

function options(overrides: Partial<SmokeTestOptions> = {}): SmokeTestOptions {
  return {
    registryUrl: harbor.url,
    repository: REPOSITORY,
    username: USERNAME,
    password: PASSWORD,
    timeoutMs: 30_000,
    keep: true,
    client: 'docker',
    dockerPath: dockerd.dockerPath,
    workDir,
    backoffBaseMs: 50,
    ...overrides,
  };
}

describe('docker client', () => {
  it('pushes, verifies the digest natively, cleans up, and leaves no docker config behind', async () => {
    const log = captureJobLog();
    let result;
    try {
      result = await runSmokeTest(options({ keep: false }));
    } finally {
      log.restore();
    }
    expect(result.attempts).toBe(1);
    expect(result.cleanedUp).toBe(true);
    expect(harbor.front.deletedRepositories).toContain(REPOSITORY);
    expect(existsSync(join(workDir, 'docker-config'))).toBe(false);
    const lines = log.lines();
    expect(lines).toContain('Login Succeeded');
    expect(passwordForms().filter((form) => lines.join('\n').includes(form))).toEqual([]);
  });

  it('re-runs docker push after a config blob 500 (docker gives up on it) without re-sending the committed layer', async () => {
    const start = harbor.front.requests.length;
    harbor.front.addFault({ target: 'config-commit', status: 500, times: 1 });
    const result = await runSmokeTest(options());
    expect(result.attempts).toBe(2);
    expect(harbor.front.requests.slice(start).filter((request) => request.target === 'layer-commit')).toHaveLength(1);
    expect(await fetchManifest(harbor.url, result.digest)).toEqual({ status: 200, digest: result.digest });
  });

  it.each([500, 502, 429])('re-runs docker push after a manifest PUT answered %i', async (status) => {
    harbor.front.addFault({ target: 'manifest-put', status, times: 1 });
    const result = await runSmokeTest(options());
    expect(result.attempts).toBe(2);
    expect(await fetchManifest(harbor.url, result.digest)).toEqual({ status: 200, digest: result.digest });
  });

  it('retries docker login on a 503 ping (docker login never retries by itself)', async () => {
    harbor.front.addFault({ target: 'ping', status: 503, times: 1, userAgent: /^docker\// });
    const log = captureJobLog();
    try {
      const result = await runSmokeTest(options());
      expect(result.attempts).toBe(2);
    } finally {
      log.restore();
    }
    expect(log.lines().some((line) => line.startsWith('docker login: retrying in'))).toBe(true);
  });

  it('a persistent manifest 500 fails once the budget runs out, naming the last docker error', async () => {
    harbor.front.addFault({ target: 'manifest-put', status: 500, times: Infinity });
    const error = await runSmokeTest(options({ timeoutMs: 3000 })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SmokeTestError);
    expect((error as SmokeTestError).kind).toBe('timeout');
    expect((error as SmokeTestError).message).toContain('docker push → received unexpected HTTP status: 500 Internal Server Error');
    expect(existsSync(join(workDir, 'docker-config'))).toBe(false);
  });

  it.each(FAULTS_ONCE)('pushes through $target answered $status once, digest readable', async ({ target, status }) => {
    const start = harbor.front.requests.length;
    harbor.front.addFault({ target, status, times: 1 });
    const result = await runSmokeTest(options());
    // The fault was met (by docker, or by the native login check before it), and still the push went through.
    expect(harbor.front.requests.slice(start).filter((request) => request.faulted).map((request) => request.target)).toEqual([target]);
    expect(await fetchManifest(harbor.url, result.digest)).toEqual({ status: 200, digest: result.digest });
  });

  it('a token service answering 502 for good: docker login retried until the budget runs out', async () => {
    harbor.front.addFault({ target: 'token', status: 502, times: Infinity });
    const error = await runSmokeTest(options({ timeoutMs: 3000 })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SmokeTestError);
    expect((error as SmokeTestError).kind).toBe('timeout');
    expect((error as SmokeTestError).attempts).toBeGreaterThan(1);
    expect(existsSync(join(workDir, 'docker-config'))).toBe(false);
  });

  it('a layer commit answering 500 for good: docker, retrying it on its own, is stopped at smoke-test-timeout', async () => {
    harbor.front.addFault({ target: 'layer-commit', status: 500, times: Infinity });
    // docker waits 5 s, 10 s, 15 s … between its own tries: without a stop it would run on for a minute.
    const error = await runSmokeTest(options({ timeoutMs: 3000 })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SmokeTestError);
    expect((error as SmokeTestError).kind).toBe('timeout');
    expect((error as SmokeTestError).message).toContain('docker push → stopped when smoke-test-timeout ran out');
    expect(existsSync(join(workDir, 'docker-config'))).toBe(false);
  });

  it('a token realm on another host than external-url fails at once, before docker runs', async () => {
    const log = captureJobLog();
    let error: unknown;
    try {
      error = await runSmokeTest(options({ externalUrl: 'https://harbor.example.com' })).catch((caught: unknown) => caught);
    } finally {
      log.restore();
    }
    expect((error as SmokeTestError).kind).toBe('realm-mismatch');
    expect((error as SmokeTestError).attempts).toBe(1);
    expect((error as SmokeTestError).message).toContain('https://harbor.example.com');
    expect(log.lines().some((line) => line.startsWith('$ docker'))).toBe(false);
  });

  it('a wrong password fails after one attempt, before docker is asked to log in', async () => {
    const log = captureJobLog();
    let error: unknown;
    try {
      error = await runSmokeTest(options({ password: 'not-the-password' })).catch((caught: unknown) => caught);
    } finally {
      log.restore();
    }
    expect((error as SmokeTestError).kind).toBe('wrong-password');
    expect((error as SmokeTestError).attempts).toBe(1);
    expect(log.lines().some((line) => line.startsWith('$ docker'))).toBe(false);
  });
});
