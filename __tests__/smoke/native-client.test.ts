import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSmokeTest, SmokeTestError, type SmokeTestOptions } from '../../src/smoke/index.js';
import type { FaultRule, FaultTarget } from '../support/registry-stack/front.js';
import { startRegistryStack, type RegistryStack } from '../support/registry-stack/stack.js';
import { FAULTS_ONCE, PASSWORD, REPOSITORY, USERNAME, captureJobLog, fetchManifest, passwordForms, scratchDir } from './support.js';

// Tier 2 (Harbor-like token front with the Harbor API) and tier 1 (htpasswd, no Harbor API).
let harbor: RegistryStack;
let plain: RegistryStack;
const workDir = scratchDir();

beforeAll(async () => {
  [harbor, plain] = await Promise.all([
    startRegistryStack({ auth: 'token', harborApi: true, username: USERNAME, password: PASSWORD }),
    startRegistryStack({ auth: 'htpasswd', harborApi: false, username: USERNAME, password: PASSWORD }),
  ]);
});
afterAll(async () => {
  await Promise.all([harbor?.stop(), plain?.stop()]);
  rmSync(workDir, { recursive: true, force: true });
});
afterEach(() => {
  harbor.front.clearFaults();
  plain.front.clearFaults();
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
    expect(sent.filter((request) => request.target === 'token' || request.target === 'ping').length).toBe(2);
    expect(sent.some((request) => request.path.includes('/blobs/'))).toBe(false);
    const leaked = passwordForms(USERNAME, 'not-the-password').filter((form) => log.lines().join('\n').includes(form) || error.message.includes(form));
    expect(leaked).toEqual([]);
  });

  it('a token realm on another host than external-url', async () => {
    const start = harbor.front.requests.length;
    const error = await expectFailure(runSmokeTest(options(harbor, { externalUrl: 'https://harbor.example.com' })));
    expect(error.kind).toBe('realm-mismatch');
    expect(error.attempts).toBe(1);
    expect(error.message).toContain('https://harbor.example.com');
    expect(requestsSince(harbor, start).some((request) => request.target === 'token')).toBe(false);
  });

  it('a project that does not exist', async () => {
    const error = await expectFailure(runSmokeTest(options(harbor, { repository: 'no-such-project/harbor-smoke' })));
    expect(error.kind).toBe('not-found');
    expect(error.attempts).toBe(1);
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

  it('removes the repository through the Harbor API', async () => {
    const result = await runSmokeTest(options(harbor, { keep: false, repository: 'library/cleanup-api' }));
    expect(result.cleanedUp).toBe(true);
    expect(harbor.front.deletedRepositories).toContain('library/cleanup-api');
    expect((await fetchManifest(harbor.url, result.digest, 'library/cleanup-api')).status).toBe(404);
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

function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
