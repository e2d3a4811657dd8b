import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSmokeTest, SmokeTestError, type SmokeTestOptions, type SmokeTestResult } from '../../src/smoke/index.js';
import { startDockerd, type StartedDockerd } from '../support/registry-stack/dockerd.js';
import { freePort } from '../support/registry-stack/processes.js';
import type { SystemSettings } from '../support/registry-stack/harbor/model.js';
import { startRegistryStack, type HarborStack } from '../support/registry-stack/stack.js';
import { CLEANUP_ANSWERS, REFUSALS } from './harbor-scenarios.js';
import { FAULTS_ONCE, PASSWORD, REPOSITORY, USERNAME, captureJobLog, fetchManifest, passwordForms, scratchDir, seedRepository, expectOnlyRemoved } from './support.js';

// Tier 4 (dockerd) pushing to tier 2 (the Harbor core front with faults, docker-registry behind it).
let harbor: HarborStack;
let dockerd: StartedDockerd;
let harborDefaults: SystemSettings;
const workDir = scratchDir();

beforeAll(async () => {
  [harbor, dockerd] = await Promise.all([startRegistryStack({ auth: 'token', username: USERNAME, password: PASSWORD }), startDockerd()]);
  harborDefaults = { ...harbor.harbor.model.settings };
  // The docker CLI (run through runTool, which passes the environment on) talks to this test's dockerd.
  process.env.DOCKER_HOST = dockerd.host;
});
afterAll(async () => {
  await Promise.all([harbor?.stop(), dockerd?.stop()]);
  rmSync(workDir, { recursive: true, force: true });
});
afterEach(() => {
  harbor.front.clearFaults();
  harbor.harbor.model.configure(harborDefaults);
});

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

async function runLogged(run: () => Promise<SmokeTestResult>): Promise<{ result?: SmokeTestResult; error?: unknown; lines: string[] }> {
  const log = captureJobLog();
  try {
    return { result: await run(), lines: log.lines() };
  } catch (error) {
    return { error, lines: log.lines() };
  } finally {
    log.restore();
  }
}

const dockerRan = (lines: string[]): boolean => lines.some((line) => line.startsWith('$ docker'));

describe('docker client', () => {
  it('pushes, verifies the digest natively, removes exactly its artifact, and leaves no docker config behind', async () => {
    const start = harbor.front.requests.length;
    const { result, lines } = await runLogged(() => runSmokeTest(options({ keep: false })));
    expect(result?.attempts).toBe(1);
    expect(result?.cleanedUp).toBe(true);
    const deletes = harbor.front.requests.slice(start).filter((request) => request.method === 'DELETE');
    expect(deletes.map((request) => [request.target, request.path.split('/').pop()])).toEqual([['artifact-delete', result?.digest]]);
    expect(existsSync(join(workDir, 'docker-config'))).toBe(false);
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
    const { result, lines } = await runLogged(() => runSmokeTest(options()));
    expect(result?.attempts).toBe(2);
    expect(lines.some((line) => line.startsWith('docker login: retrying in'))).toBe(true);
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
});

describe("docker client, Harbor's refusals: Harbor's words and what to change, nothing retried", () => {
  it.each(REFUSALS)('$name', async (scenario) => {
    const overrides = scenario.arrange(harbor);
    const { error, lines } = await runLogged(() => runSmokeTest(options(overrides)));
    expect(error).toBeInstanceOf(SmokeTestError);
    const failure = error as SmokeTestError;
    expect(failure.kind).toBe(scenario.kind);
    for (const fragment of scenario.message) expect(failure.message).toMatch(fragment);
    expect(failure.attempts).toBe(1);
    // What the native login finds, it finds before docker runs.
    expect(dockerRan(lines)).toBe(scenario.pushes);
    expect(existsSync(join(workDir, 'docker-config'))).toBe(false);
    const leaked = passwordForms(overrides.username ?? USERNAME, overrides.password ?? PASSWORD).filter((form) => lines.join('\n').includes(form) || failure.message.includes(form));
    expect(leaked).toEqual([]);
  });
});

describe('docker client, Harbor answers that are handled or clear by themselves', () => {
  it('retries the native read-back while the scan on push is still running, then succeeds', async () => {
    harbor.harbor.model.addProject({ name: 'scan-on-push', preventVulnerable: { severity: 'high', autoScan: true, scanRunningForChecks: 2 } });
    const result = await runSmokeTest(options({ repository: 'scan-on-push/harbor-smoke' }));
    expect(result.attempts).toBe(3);
  });

  it('a scan that outlasts smoke-test-timeout fails as timeout, quoting Harbor', async () => {
    harbor.harbor.model.addProject({ name: 'slow-scan', preventVulnerable: { severity: 'low', autoScan: true, scanRunningForChecks: 1000 } });
    const error = await runSmokeTest(options({ repository: 'slow-scan/harbor-smoke', timeoutMs: 3000 })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SmokeTestError);
    expect((error as SmokeTestError).kind).toBe('timeout');
    expect((error as SmokeTestError).message).toMatch(/read back manifest kept failing until smoke-test-timeout ran out/);
    expect((error as SmokeTestError).message).toMatch(/\(Harbor: "current image with "Running" status of vulnerability scanning cannot be pulled/);
  });

  it('renews the native token that expired while docker pushed', async () => {
    harbor.harbor.model.addProject({ name: 'renewal' });
    // docker's push sends no manifest GET: the first one is the native read-back, after docker is done.
    harbor.front.beforeNext('manifest-get', () => harbor.harbor.model.advanceClock(3600));
    const { result, lines } = await runLogged(() => runSmokeTest(options({ repository: 'renewal/harbor-smoke' })));
    expect(result?.attempts).toBe(2);
    expect(lines).toContainEqual(expect.stringMatching(/^read back manifest: token refused \(GET \/v2\/renewal\/harbor-smoke\/manifests\/smoke-\S+ → 401 UNAUTHORIZED\): fetching a new one$/));
  });

  it('re-runs docker push once when its own token expired mid-push', async () => {
    harbor.harbor.model.addProject({ name: 'docker-renewal' });
    harbor.front.beforeNext('manifest-put', () => harbor.harbor.model.advanceClock(3600));
    const { result, lines } = await runLogged(() => runSmokeTest(options({ repository: 'docker-renewal/harbor-smoke' })));
    expect(result?.attempts).toBe(2);
    expect(lines).toContainEqual(expect.stringMatching(/^docker push: token refused \(docker push → unauthorized: unauthorized to access repository: docker-renewal\/harbor-smoke, action: push: /));
  });

  it('a 401 to docker push that a re-run does not cure: re-run once, then denied with the answer', async () => {
    harbor.front.addFault({ target: 'manifest-put', status: 401, times: Infinity, userAgent: /^docker\// });
    const error = await runSmokeTest(options()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SmokeTestError);
    expect((error as SmokeTestError).kind).toBe('denied');
    expect((error as SmokeTestError).attempts).toBe(2);
    expect((error as SmokeTestError).message).toMatch(/docker push: Harbor refused smoke-test-username access to library\/harbor-smoke even with a fresh token \(Harbor: "injected 401"\)/);
  });

  it.each([
    ['v2.13 announces external-url: docker follows it there', '2.13.5'],
    ["v2.15 announces registry-url's host with external-url's scheme", '2.15.2'],
  ])('%s: registry-url differs from external-url, and both clients log in', async (_label, version) => {
    const external = `http://localhost:${new URL(harbor.url).port}`;
    harbor.harbor.model.configure({ version, externalUrl: external });
    const start = harbor.front.requests.length;
    const result = await runSmokeTest(options({ externalUrl: external }));
    expect(result.attempts).toBe(1);
    // The native login's token and docker's own (login and push) all came from the one Harbor.
    expect(harbor.front.requests.slice(start).filter((request) => request.target === 'token').length).toBeGreaterThan(1);
  });

  it.each([
    ['v2.13, an external URL the runner cannot reach', '2.13.5', (closedPort: number) => `http://localhost:${closedPort}`, /ECONNREFUSED/],
    ["v2.15, an https external URL: the realm is registry-url's host with https", '2.15.2', () => 'https://harbor.example.com', /EPROTO|SSL|TLS/i],
  ])('%s: fails before docker runs, naming the realm', async (_label, version, externalUrl, code) => {
    harbor.harbor.model.configure({ version, externalUrl: externalUrl(await freePort()) });
    const { error, lines } = await runLogged(() => runSmokeTest(options()));
    expect(error).toBeInstanceOf(SmokeTestError);
    expect((error as SmokeTestError).kind).toBe('unreachable');
    expect((error as SmokeTestError).message).toMatch(/docker fetches its tokens from the realm Harbor announces, https?:\/\/(localhost|127\.0\.0\.1):\d+\/service\/token, and the runner cannot reach it/);
    expect((error as SmokeTestError).message).toMatch(code);
    expect((error as SmokeTestError).message).toMatch(/Set smoke-test-client: native/);
    expect(dockerRan(lines)).toBe(false);
  });
});

describe('docker client: cleanup removes exactly what it pushed', () => {
  it("in a repository holding other images and tags, only the smoke test's artifact goes", async () => {
    const repository = 'library/team-app';
    const seeded = await seedRepository(harbor, repository, () => runSmokeTest(options({ repository, client: 'native' })));
    const start = harbor.front.requests.length;
    const result = await runSmokeTest(options({ repository, keep: false }));
    expect(result.cleanedUp).toBe(true);
    await expectOnlyRemoved(harbor, repository, seeded, [result.digest], start);
  });

  it("two smoke tests at once on one repository: one's cleanup runs between the other's docker push and read-back", async () => {
    const repository = 'library/shared-smoke';
    const seeded = await seedRepository(harbor, repository, () => runSmokeTest(options({ repository, client: 'native' })));
    const start = harbor.front.requests.length;
    let inBetween: Promise<SmokeTestResult> | undefined;
    harbor.front.beforeNext('manifest-get', () => (inBetween = runSmokeTest(options({ repository, keep: false, workDir: scratchDir() }))));
    const second = await runSmokeTest(options({ repository, keep: false }));
    const first = await inBetween!;
    expect([first.cleanedUp, second.cleanedUp]).toEqual([true, true]);
    expect(first.digest).not.toBe(second.digest);
    await expectOnlyRemoved(harbor, repository, seeded, [first.digest, second.digest], start);
  });

  it.each(CLEANUP_ANSWERS)('$name', async (scenario) => {
    const overrides = scenario.arrange(harbor);
    const { result, lines } = await runLogged(() => runSmokeTest(options({ ...overrides, keep: false })));
    expect(result?.cleanedUp).toBe(scenario.cleanedUp);
    expect(lines.filter((line) => scenario.message.every((fragment) => fragment.test(line)))).toHaveLength(1);
    expect(lines.some((line) => line.startsWith('::warning'))).toBe(!scenario.cleanedUp);
  });
});
