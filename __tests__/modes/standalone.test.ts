import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3RegistryStack, type S3RegistryStack } from '../support/registry-stack/s3-stack.js';
import { runAction } from '../support/run-action.js';
import { findLeaks } from '../support/secret-scan.js';
import { errorsOf, validate } from '../support/inputs.js';

/** mode: smoke (a scheduled health probe) and mode: preflight (the COS check alone), through the bundle. */
const password = 'Smoke-Probe-Pass-42';
let stack: S3RegistryStack;

beforeAll(async () => {
  stack = await startS3RegistryStack({ auth: 'token', username: 'admin', password });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('mode: smoke', () => {
  it('needs only where Harbor is and the password: no chart, storage or cluster inputs', () => {
    expect(errorsOf(validate({ mode: 'smoke', 'registry-url': 'https://harbor.example.com', 'smoke-test-password': 'x' }))).toEqual([]);
    expect(errorsOf(validate({ mode: 'smoke', 'registry-url': 'https://harbor.example.com' }))).toEqual([expect.stringMatching(/^smoke-test-password: the smoke test needs the password/)]);
    expect(errorsOf(validate({ mode: 'smoke', 'smoke-test-password': 'x' }))).toEqual([expect.stringMatching(/^external-url: required/)]);
  });

  it('pushes, reads back and removes an image, and sets its outputs', async () => {
    const run = await runAction({ mode: 'smoke', 'registry-url': stack.url, 'smoke-test-password': password });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs['smoke-test-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.outputs['smoke-test-attempts']).toBe('1');
    expect(run.summary).toMatch(/Pushed and read back `library\/harbor-smoke@sha256:[0-9a-f]{64}`.*removed again/);
    expect(findLeaks(run, [password])).toEqual([]);
  });

  it('fails at once on a wrong password, naming the cause', async () => {
    const run = await runAction({ mode: 'smoke', 'registry-url': stack.url, 'smoke-test-password': 'Wrong-Password-1' });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::.*(password|401)/i);
    expect(run.summary).toContain('Failed:');
  });
});

describe('mode: preflight', () => {
  const cos = () => ({ mode: 'preflight', 'cos-endpoint': stack.ceph.endpoint, 'cos-region': 'us-east-1', 'cos-bucket': 'registry', 'cos-secret-id': stack.ceph.accessKey, 'cos-secret-key': stack.ceph.secretKey });

  it('checks the bucket and reports the measured list lag', async () => {
    const run = await runAction(cos());
    expect(run.exitCode).toBe(0);
    expect(Number(run.outputs['cos-list-lag-ms'])).toBeGreaterThanOrEqual(0);
    expect(run.summary).toContain('List-after-write lag');
    expect(findLeaks(run, [stack.ceph.secretKey])).toEqual([]);
  });

  it('names the input to fix when COS refuses the key', async () => {
    const run = await runAction({ ...cos(), 'cos-secret-key': 'wrong-secret-key-000000000' });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::COS preflight failed at "head bucket".*cos-secret-key/);
  });
});
