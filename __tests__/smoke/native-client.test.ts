import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSmokeTest, SmokeTestError, type SmokeTestOptions, type SmokeTestResult } from '../../src/smoke/index.js';
import type { FaultRule, FaultTarget } from '../support/registry-stack/front.js';
import type { SystemSettings } from '../support/registry-stack/harbor/model.js';
import { startRegistryStack, type HarborStack, type RegistryStack } from '../support/registry-stack/stack.js';
import { CLEANUP_ANSWERS, REFUSALS } from './harbor-scenarios.js';
import { FAULTS_ONCE, PASSWORD, REPOSITORY, USERNAME, captureJobLog, fetchManifest, passwordForms, scratchDir, seedRepository, expectOnlyRemoved } from './support.js';

// Tier 2 (the Harbor core front: token service, /api/v2.0, policies) and tier 1 (htpasswd, no Harbor).
let harbor: HarborStack;
let plain: RegistryStack;
let harborDefaults: SystemSettings;
const workDir = scratchDir();

beforeAll(async () => {
  [harbor, plain] = await Promise.all([
    startRegistryStack({ auth: 'token', username: USERNAME, password: PASSWORD }),
    startRegistryStack({ auth: 'htpasswd', username: USERNAME, password: PASSWORD }),
  ]);
  harborDefaults = { ...harbor.harbor.model.settings };
});
afterAll(async () => {
  await Promise.all([harbor?.stop(), plain?.stop()]);
  rmSync(workDir, { recursive: true, force: true });
});
afterEach(() => {
  harbor.front.clearFaults();
  plain.front.clearFaults();
  harbor.harbor.model.configure(harborDefaults);
});

function options(stack: RegistryStack, overrides: Partial<SmokeTestOptions> = {}): SmokeTestOptions {
  return {
    registryUrl: stack.url,
    repository: REPOSITORY,
    username: USERNAME,
    password: PASSWORD,
    timeoutMs: 20_000,
    keep: true,
    client: 'native',
    workDir,
    backoffBaseMs: 20,
    ...overrides,
  };
}

async function expectFailure(run: Promise<unknown>): Promise<SmokeTestError> {
  const error = await run.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SmokeTestError);
  return error as SmokeTestError;
}

function requestsSince(stack: RegistryStack, start: number) {
  return stack.front.requests.slice(start);
}

describe('native client, each fault once: retried, pushed, readable', () => {
  it.each(FAULTS_ONCE)('$target answered $status once', async ({ target, status }) => {
    const start = harbor.front.requests.length;
    harbor.front.addFault({ target, status, times: 1 });
    const result = await runSmokeTest(options(harbor));
    expect(result.attempts).toBe(2);
    const faulted = requestsSince(harbor, start).filter((request) => request.faulted);
    expect(faulted.map((request) => request.target)).toEqual([target]);
    expect(await fetchManifest(harbor.url, result.digest)).toEqual({ status: 200, digest: result.digest });
  });

  it('restarts a failed blob upload with a new POST: the old upload URL is not used again', async () => {
    const start = harbor.front.requests.length;
    harbor.front.addFault({ target: 'layer-commit', status: 500, times: 2 });
    await runSmokeTest(options(harbor));
    const layerCommits = requestsSince(harbor, start).filter((request) => request.target === 'layer-commit');
    expect(layerCommits).toHaveLength(3);
    expect(new Set(layerCommits.map((request) => request.path)).size).toBe(3);
  });

  it('never re-uploads a blob the registry committed even though it answered 500', async () => {
    const start = harbor.front.requests.length;
    harbor.front.addFault({ target: 'layer-commit', status: 500, times: 1, when: 'after' });
    const result = await runSmokeTest(options(harbor));
    const layerCommits = requestsSince(harbor, start).filter((request) => request.target === 'layer-commit');
    expect(layerCommits).toHaveLength(1);
    expect(result.attempts).toBe(2);
    expect(await fetchManifest(harbor.url, result.digest)).toEqual({ status: 200, digest: result.digest });
  });

  it('waits for Retry-After on 429', async () => {
    harbor.front.addFault({ target: 'manifest-put', status: 429, times: 1 });
    const log = captureJobLog();
    try {
      await runSmokeTest(options(harbor));
    } finally {
      log.restore();
    }
    expect(log.lines().some((line) => /manifest: retrying in 1\.00 s \(PUT .*manifests.* → 429 TOOMANYREQUESTS\)/.test(line))).toBe(true);
  });
});

describe('native client, each fault persistent: a clear failure once the budget runs out', () => {
  const persistent: Array<{ target: FaultTarget; status: FaultRule['status']; kind: string; code?: string }> = [
    { target: 'ping', status: 503, kind: 'timeout', code: 'UNKNOWN' },
    { target: 'token', status: 502, kind: 'timeout' },
    { target: 'blob-head', status: 500, kind: 'timeout' }, // a HEAD answer has no body: no error code
    { target: 'layer-commit', status: 500, kind: 'timeout', code: 'UNKNOWN' },
    { target: 'layer-commit', status: 404, kind: 'timeout', code: 'BLOB_UPLOAD_UNKNOWN' },
    { target: 'layer-commit', status: 'reset', kind: 'unreachable' },
    { target: 'config-commit', status: 503, kind: 'timeout', code: 'UNKNOWN' },
    { target: 'manifest-put', status: 500, kind: 'timeout', code: 'UNKNOWN' },
  ];
  it.each(persistent)('$target answering $status for good fails as $kind', async ({ target, status, kind, code }) => {
    harbor.front.addFault({ target, status, times: Infinity });
    const error = await expectFailure(runSmokeTest(options(harbor, { timeoutMs: 1500 })));
    expect(error.kind).toBe(kind);
    expect(error.registryErrorCode).toBe(code);
    expect(error.attempts).toBeGreaterThan(2);
    expect(error.message).toContain('last request:');
  });

  it('names the storage cause from the registry log once retries run out', async () => {
    harbor.front.addFault({ target: 'layer-commit', status: 500, times: Infinity });
    const registryLog = 'level=error msg="unknown error completing upload: s3aws: Path not found: /docker/registry/v2/repositories/library/harbor-smoke/_uploads/x/data"';
    const error = await expectFailure(runSmokeTest(options(harbor, { timeoutMs: 1000, readRegistryLog: () => Promise.resolve(registryLog) })));
    expect(error.kind).toBe('timeout');
    expect(error.diagnosis?.cause).toMatch(/COS listing consistency/);
    expect(error.message).toMatch(/COS listing consistency/);
  });
});

describe('native client, failures a retry cannot fix: one attempt, a named cause', () => {
  it.each([
    ['token service (tier 2)', () => harbor],
    ['htpasswd (tier 1)', () => plain],
  ])('wrong password against the %s', async (_label, stack) => {
    const start = stack().front.requests.length;
    const log = captureJobLog();
    let error: SmokeTestError;
    try {
      error = await expectFailure(runSmokeTest(options(stack(), { password: 'not-the-password' })));
    } finally {
      log.restore();
    }
    expect(error.kind).toBe('wrong-password');
    expect(error.attempts).toBe(1);
    const sent = requestsSince(stack(), start);
    // Harbor: ping, token with scope (granted as to anonymous), token without scope (401). htpasswd: ping, ping with Basic.
    expect(sent.filter((request) => request.target === 'token' || request.target === 'ping').length).toBe(stack() === harbor ? 3 : 2);
    expect(sent.some((request) => request.path.includes('/blobs/'))).toBe(false);
    const leaked = passwordForms(USERNAME, 'not-the-password').filter((form) => log.lines().join('\n').includes(form) || error.message.includes(form));
    expect(leaked).toEqual([]);
  });

  it('a registry-url that is no registry (404 on the ping)', async () => {
    const server = await listen(createServer((_req, res) => res.writeHead(404).end('not here')));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const error = await expectFailure(runSmokeTest({ ...options(harbor), registryUrl: url }));
      expect(error.kind).toBe('not-found');
      expect(error.attempts).toBe(1);
    } finally {
      server.close();
    }
  });

  it('https to a registry that speaks http: a TLS failure, not retried', async () => {
    const error = await expectFailure(runSmokeTest(options(harbor, { registryUrl: harbor.url.replace('http:', 'https:') })));
    expect(error.kind).toBe('tls');
    expect(error.attempts).toBe(1);
  });
});

describe('native client: logging and cleanup', () => {
  it('logs every attempt with method, path, status and registry error code, and never the password', async () => {
    harbor.front.addFault({ target: 'layer-commit', status: 500, times: 1 });
    const log = captureJobLog();
    try {
      await runSmokeTest(options(harbor));
    } finally {
      log.restore();
    }
    const lines = log.lines();
    expect(lines.some((line) => /^layer blob: PUT \/v2\/library\/harbor-smoke\/blobs\/uploads\/[0-9a-f-]+\?digest=sha256:[0-9a-f]{64} → 500 UNKNOWN$/.test(line))).toBe(true);
    expect(lines.some((line) => /^manifest: PUT \/v2\/library\/harbor-smoke\/manifests\/smoke-\S+ → 201$/.test(line))).toBe(true);
    expect(lines.some((line) => line.includes('_state='))).toBe(false);
    expect(passwordForms().filter((form) => lines.join('\n').includes(form))).toEqual([]);
  });

  it('falls back to a manifest DELETE by digest where there is no Harbor API', async () => {
    const result = await runSmokeTest(options(plain, { keep: false }));
    expect(result.cleanedUp).toBe(true);
    expect(plain.front.requests.some((request) => request.method === 'DELETE' && request.path.endsWith(`/manifests/${result.digest}`))).toBe(true);
    expect((await fetchManifest(plain.url, result.digest)).status).toBe(404);
  });

  it('keeps the image with smoke-test-keep', async () => {
    const result = await runSmokeTest(options(plain, { keep: true }));
    expect(result.cleanedUp).toBe(false);
    expect(await fetchManifest(plain.url, result.digest)).toEqual({ status: 200, digest: result.digest });
  });
});

describe("native client, Harbor's refusals: one attempt, Harbor's words and what to change", () => {
  it.each(REFUSALS)('$name', async (scenario) => {
    const start = harbor.front.requests.length;
    const overrides = scenario.arrange(harbor);
    const log = captureJobLog();
    let error: SmokeTestError;
    try {
      error = await expectFailure(runSmokeTest(options(harbor, overrides)));
    } finally {
      log.restore();
    }
    expect(error.kind).toBe(scenario.kind);
    for (const fragment of scenario.message) expect(error.message).toMatch(fragment);
    expect(error.attempts).toBe(1);
    expect(requestsSince(harbor, start).some((request) => request.target === 'blob-post')).toBe(scenario.pushes);
    const leaked = passwordForms(overrides.username ?? USERNAME, overrides.password ?? PASSWORD).filter((form) => log.text().includes(form) || error.message.includes(form));
    expect(leaked).toEqual([]);
  });
});

describe('native client, Harbor answers that are handled or clear by themselves', () => {
  it('retries the read-back while the scan on push is still running, then succeeds', async () => {
    harbor.harbor.model.addProject({ name: 'scan-on-push', preventVulnerable: { severity: 'high', autoScan: true, scanRunningForChecks: 2 } });
    const log = captureJobLog();
    let result: SmokeTestResult;
    try {
      result = await runSmokeTest(options(harbor, { repository: 'scan-on-push/harbor-smoke' }));
    } finally {
      log.restore();
    }
    expect(result.attempts).toBe(3);
    expect(log.lines().filter((line) => /^read back manifest: retrying in .* \(GET \/v2\/scan-on-push\/harbor-smoke\/manifests\/smoke-\S+ → 412 PROJECTPOLICYVIOLATION\)$/.test(line))).toHaveLength(2);
  });

  it('a scan that outlasts smoke-test-timeout fails as timeout, quoting Harbor', async () => {
    harbor.harbor.model.addProject({ name: 'slow-scan', preventVulnerable: { severity: 'low', autoScan: true, scanRunningForChecks: 1000 } });
    const error = await expectFailure(runSmokeTest(options(harbor, { repository: 'slow-scan/harbor-smoke', timeoutMs: 1500 })));
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/diagnosis: Harbor refuses to serve the pushed image, so the smoke test cannot read it back \(Harbor: "current image with "Running" status of vulnerability scanning cannot be pulled/);
    expect(error.message).toMatch(/the vulnerability scan of the image has not finished yet; Harbor serves the image once its scan on push has finished: raise smoke-test-timeout/);
  });

  it('renews an expired token and goes on', async () => {
    // A private project: anonymous may not push, and Harbor treats an expired token as none.
    harbor.harbor.model.addProject({ name: 'renewal' });
    harbor.front.beforeNext('manifest-put', () => harbor.harbor.model.advanceClock(3600));
    const log = captureJobLog();
    let result: SmokeTestResult;
    try {
      result = await runSmokeTest(options(harbor, { repository: 'renewal/harbor-smoke' }));
    } finally {
      log.restore();
    }
    expect(result.attempts).toBe(2);
    expect(log.lines()).toContainEqual(expect.stringMatching(/^manifest: token refused \(PUT \/v2\/renewal\/harbor-smoke\/manifests\/smoke-\S+ → 401 UNAUTHORIZED\): fetching a new one$/));
    expect(await fetchManifest(harbor.url, result.digest, 'renewal/harbor-smoke')).toEqual({ status: 200, digest: result.digest });
  });

  it('a 401 that a fresh token does not cure: renewed once, then denied with the answer', async () => {
    const start = harbor.front.requests.length;
    harbor.front.addFault({ target: 'manifest-put', status: 401, times: Infinity });
    const error = await expectFailure(runSmokeTest(options(harbor)));
    expect(error.kind).toBe('denied');
    expect(error.attempts).toBe(2);
    expect(error.message).toMatch(/Harbor refused smoke-test-username access to library\/harbor-smoke even with a fresh token \(Harbor: "injected 401"\)/);
    expect(requestsSince(harbor, start).filter((request) => request.target === 'manifest-put' && request.faulted)).toHaveLength(2);
  });

  it.each([
    ['v2.13 announces the external URL', '2.13.5', (port: string) => `http://localhost:${port}`],
    ["v2.15 announces the request's host with the external URL's scheme", '2.15.2', (port: string) => `https://localhost:${port}`],
  ])('%s: registry-url differs from external-url, tokens come through registry-url', async (_label, version, externalUrl) => {
    const external = externalUrl(new URL(harbor.url).port);
    harbor.harbor.model.configure({ version, externalUrl: external });
    const start = harbor.front.requests.length;
    const log = captureJobLog();
    try {
      const result = await runSmokeTest(options(harbor, { externalUrl: external }));
      expect(result.attempts).toBe(1);
    } finally {
      log.restore();
    }
    expect(log.lines()).toContainEqual(expect.stringMatching(/^login: Harbor announces its token service at https?:\/\/(localhost|127\.0\.0\.1):\d+\/service\/token; the smoke test reaches it through registry-url http:\/\/127\.0\.0\.1:\d+$/));
    expect(requestsSince(harbor, start).filter((request) => request.target === 'token')).toHaveLength(1);
  });

  it('v2.13 announcing an external URL the runner cannot reach, external-url not given: tokens come through registry-url', async () => {
    harbor.harbor.model.configure({ version: '2.13.5', externalUrl: 'http://localhost:1' });
    const result = await runSmokeTest(options(harbor));
    expect(result.attempts).toBe(1);
  });
});

describe('native client: cleanup removes exactly what it pushed', () => {
  it("in a repository holding other images and tags, only the smoke test's artifact goes", async () => {
    const repository = 'library/team-app';
    const seeded = await seedRepository(harbor, repository, () => runSmokeTest(options(harbor, { repository })));
    expect(seeded).toHaveLength(2);
    const start = harbor.front.requests.length;
    const result = await runSmokeTest(options(harbor, { repository, keep: false }));
    expect(result.cleanedUp).toBe(true);
    await expectOnlyRemoved(harbor, repository, seeded, [result.digest], start);
  });

  it("two smoke tests at once on one repository: one's cleanup runs between the other's push and read-back", async () => {
    const repository = 'library/shared-smoke';
    const seeded = await seedRepository(harbor, repository, () => runSmokeTest(options(harbor, { repository })));
    const start = harbor.front.requests.length;
    let inBetween: Promise<SmokeTestResult> | undefined;
    // The second run's first manifest GET is its read-back: the first run pushes, reads back and cleans up right then.
    harbor.front.beforeNext('manifest-get', () => (inBetween = runSmokeTest(options(harbor, { repository, keep: false, workDir: scratchDir() }))));
    const second = await runSmokeTest(options(harbor, { repository, keep: false }));
    const first = await inBetween!;
    expect([first.cleanedUp, second.cleanedUp]).toEqual([true, true]);
    expect(first.digest).not.toBe(second.digest);
    await expectOnlyRemoved(harbor, repository, seeded, [first.digest, second.digest], start);
  });

  it.each(CLEANUP_ANSWERS)('$name', async (scenario) => {
    const overrides = scenario.arrange(harbor);
    const log = captureJobLog();
    let result: SmokeTestResult;
    try {
      result = await runSmokeTest(options(harbor, { ...overrides, keep: false }));
    } finally {
      log.restore();
    }
    expect(result.cleanedUp).toBe(scenario.cleanedUp);
    expect(log.lines().filter((line) => scenario.message.every((fragment) => fragment.test(line)))).toHaveLength(1);
    expect(log.lines().some((line) => line.startsWith('::warning'))).toBe(!scenario.cleanedUp);
  });
});

function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
