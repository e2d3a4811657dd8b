import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreflightError, runCosPreflight, type PreflightOptions } from '../../src/storage/preflight.js';
import { captureJobLog } from '../support/job-log.js';

// Endpoints that never answer over HTTP: the fix must point at cos-endpoint.
const SECRET_KEY = 'network-test-secret-key-0123456789';
let tlsServer: Server;
let tlsUrl: string;
let certDir: string;

beforeAll(async () => {
  // A TLS server whose certificate no one trusts, as a wrong or intercepted endpoint presents.
  certDir = mkdtempSync(join(tmpdir(), 'cos-preflight-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
  tlsServer = createServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, (_req, res) => res.writeHead(200).end());
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  tlsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  tlsServer?.closeAllConnections();
  await new Promise((resolve) => tlsServer?.close(resolve));
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

async function failure(endpoint: string): Promise<PreflightError> {
  const jobLog = captureJobLog();
  const options: PreflightOptions = { endpoint, region: 'ap-guangzhou', bucket: 'harbor-1250000000', rootDirectory: '/', secretId: 'AKIDNETWORKTEST', secretKey: SECRET_KEY, requestTimeoutMs: 5000 };
  const error = await runCosPreflight(options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  jobLog.restore();
  expect(error).toBeInstanceOf(PreflightError);
  const preflightError = error as PreflightError;
  expect(preflightError.step).toBe('head bucket');
  expect(preflightError.status).toBeUndefined();
  expect(preflightError.fix).toContain('cos-endpoint');
  expect(preflightError.message).not.toContain(SECRET_KEY);
  expect(jobLog.text()).not.toContain(SECRET_KEY);
  return preflightError;
}

describe('COS preflight when the endpoint does not answer', () => {
  it('a host that does not resolve: DNS error, fix names cos-endpoint', async () => {
    const error = await failure('https://cos.ap-guangzhou.example.invalid');
    expect(error.networkError).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
    expect(error.cause).toContain('does not resolve');
  });

  it('a certificate that is not trusted: TLS error, fix names cos-endpoint', async () => {
    const error = await failure(tlsUrl);
    expect(error.networkError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(error.cause).toMatch(/^TLS with 127\.0\.0\.1:\d+ failed/);
  });

  it('nothing listening: connection refused, fix names cos-endpoint', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(`http://127.0.0.1:${port}`);
    expect(error.networkError).toBe('ECONNREFUSED');
  });
});
