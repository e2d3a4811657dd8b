import { describe, expect, it } from 'vitest';
import { parseChallenge } from '../../src/smoke/auth.js';
import { RetryBudget, parseRetryAfter } from '../../src/smoke/backoff.js';
import { diagnoseRegistryLog } from '../../src/smoke/index.js';

describe('backoff with full jitter', () => {
  it('waits between 0 and base * 2^n, capped', () => {
    const lowest = new RetryBudget({ timeoutMs: 60_000, baseMs: 100, capMs: 1000, random: () => 0 });
    const highest = new RetryBudget({ timeoutMs: 60_000, baseMs: 100, capMs: 1000, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 10].map((n) => lowest.delayBeforeRetry(n))).toEqual([0, 0, 0, 0, 0, 0]);
    expect([0, 1, 2, 3, 4, 10].map((n) => highest.delayBeforeRetry(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("lets a server's Retry-After decide the wait, and never plans a retry past the deadline", () => {
    const budget = new RetryBudget({ timeoutMs: 5000, random: () => 0.5 });
    expect(budget.delayBeforeRetry(0, 3000)).toBe(3000);
    expect(budget.allows(3000)).toBe(true);
    expect(budget.allows(6000)).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('WWW-Authenticate challenges', () => {
  it("parses Harbor's Bearer challenge and a Basic one", () => {
    expect(parseChallenge('Bearer realm="https://harbor.example.com/service/token",service="harbor-registry"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://harbor.example.com/service/token', service: 'harbor-registry' },
    });
    expect(parseChallenge('Basic realm="smoke-registry"')).toEqual({ scheme: 'basic', params: { realm: 'smoke-registry' } });
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
    expect(parseChallenge(null)).toBeUndefined();
  });
});

describe("diagnosing the registry pod's log", () => {
  it.each([
    ['time="…" level=error msg="unknown error completing upload: s3aws: Path not found: /docker/registry/v2/repositories/library/x/_uploads/1/data"', /COS listing consistency/],
    ['s3aws: PathStyleDomainForbidden: The bucket you are attempting to access must be addressed using the virtual-hosted style', /path-style/],
    ['s3aws: AccessDenied: Access Denied\n\tstatus code: 403', /refused the credentials/],
    ['s3aws: SignatureDoesNotMatch: The request signature we calculated does not match', /refused the credentials/],
    ['s3aws: NoSuchBucket: The specified bucket does not exist', /bucket does not exist/],
  ])('%s', (logText, cause) => {
    expect(diagnoseRegistryLog(logText)?.cause).toMatch(cause);
  });

  it('prefers the configuration cause when a log has both it and generic upload errors', () => {
    const logText = 'Path not found: a/_uploads/1/data\nPathStyleDomainForbidden';
    expect(diagnoseRegistryLog(logText)?.cause).toMatch(/path-style/);
  });

  it('knows nothing about a log without storage errors', () => {
    expect(diagnoseRegistryLog('level=info msg="listening on [::]:5000"')).toBeUndefined();
  });
});
