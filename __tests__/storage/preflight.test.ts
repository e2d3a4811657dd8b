import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PreflightError, runCosPreflight, type PreflightOptions } from '../../src/storage/preflight.js';
import { bucketContents } from '../support/cos-faults/bucket-contents.js';
import { startCosRulesProxy, type CosRulesProxy } from '../support/cos-faults/cos-rules-proxy.js';
import { startListingLagProxy, type ListingLagProxy } from '../support/cos-faults/listing-lag-proxy.js';
import { startCeph, type StartedCeph } from '../support/registry-stack/ceph.js';
import { captureJobLog } from '../support/job-log.js';

// One real S3 server (Ceph radosgw) for the whole file; the proxies add what radosgw does not do
// like COS: listing lag, path-style refusal, region checks, a CAM policy that denies an action.
const BUCKET = 'harbor-1250000000';
const REGION = 'ap-chengdu';
let ceph: StartedCeph;
let lagProxy: ListingLagProxy;
let pathStyleProxy: CosRulesProxy;
let regionProxy: CosRulesProxy;
let denyUploadListingProxy: CosRulesProxy;
let jobLog: ReturnType<typeof captureJobLog>;

beforeAll(async () => {
  ceph = await startCeph();
  await ceph.createBucket(BUCKET);
  [lagProxy, pathStyleProxy, regionProxy, denyUploadListingProxy] = await Promise.all([
    startListingLagProxy(ceph.endpoint),
    startCosRulesProxy(ceph.endpoint, { pathStyleForbidden: true }),
    startCosRulesProxy(ceph.endpoint, { signingRegion: REGION }),
    startCosRulesProxy(ceph.endpoint, { deny: (request) => request.method === 'GET' && request.query.has('uploads') }),
  ]);
});
afterAll(async () => {
  await Promise.all([lagProxy, pathStyleProxy, regionProxy, denyUploadListingProxy].map((proxy) => proxy?.stop()));
  await ceph?.stop();
});
beforeEach(() => {
  jobLog = captureJobLog();
});
afterEach(async () => {
  jobLog.restore();
  // Whatever happened, the preflight left nothing in the bucket: no object, no open upload.
  expect(await bucketContents(ceph, BUCKET)).toEqual({ objects: [], uploads: [] });
});

function options(overrides: Partial<PreflightOptions> = {}): PreflightOptions {
  return {
    endpoint: ceph.endpoint,
    region: REGION,
    bucket: BUCKET,
    rootDirectory: '/',
    secretId: ceph.accessKey,
    secretKey: ceph.secretKey,
    pollIntervalMs: 100,
    ...overrides,
  };
}

async function preflightFailure(overrides: Partial<PreflightOptions>): Promise<PreflightError> {
  const error = await runCosPreflight(options(overrides)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PreflightError);
  const failure = error as PreflightError;
  for (const secret of [ceph.secretKey, overrides.secretKey ?? ceph.secretKey]) {
    expect(failure.message).not.toContain(secret);
    expect(jobLog.text()).not.toContain(secret);
  }
  return failure;
}

describe('COS preflight against radosgw', () => {
  it('passes on a working bucket, logs every step with its time, and reports a small listing lag', async () => {
    lagProxy.setLag({ objectsMs: 0, uploadsMs: 0 });
    const result = await runCosPreflight(options({ endpoint: lagProxy.url }));
    expect(result.steps.map((step) => [step.name, step.ok])).toEqual([
      ['head bucket', true],
      ['put probe', true],
      ['list probe', true],
      ['initiate multipart upload', true],
      ['list multipart uploads', true],
      ['abort multipart upload', true],
      ['delete probe', true],
    ]);
    expect(result.probeKey).toMatch(/^_harbor_tke_preflight\/[\w-]+$/);
    expect(result.listLagMs).toBeLessThan(1000);
    const log = jobLog.text();
    for (const step of result.steps) expect(log).toMatch(new RegExp(`COS preflight: ${step.name} ok in \\d+\\.\\d+ s`));
    expect(log).toContain(`COS preflight passed`);
    expect(log).not.toContain(ceph.secretKey);
    expect(log).not.toContain(ceph.accessKey);
  });

  it('measures a 3 s list-after-write lag (and a 3 s multipart upload listing lag) within 20 %, under the root directory', async () => {
    lagProxy.setLag({ objectsMs: 3000, uploadsMs: 3000 });
    const hiddenBefore = lagProxy.hiddenAnswers;
    const result = await runCosPreflight(options({ endpoint: lagProxy.url, rootDirectory: '/harbor/' }));
    lagProxy.setLag({ objectsMs: 0, uploadsMs: 0 });
    expect(result.probeKey).toMatch(/^harbor\/_harbor_tke_preflight\//);
    expect(lagProxy.hiddenAnswers).toBeGreaterThan(hiddenBefore);
    expect(result.listLagMs).toBeGreaterThanOrEqual(2400);
    expect(result.listLagMs).toBeLessThanOrEqual(3600);
    expect(result.uploadListLagMs).toBeGreaterThanOrEqual(2400);
    expect(result.uploadListLagMs).toBeLessThanOrEqual(3600);
    expect(jobLog.text()).toMatch(/list-after-write lag \d+ ms/);
  });

  it('fails at "list probe" when the probe is not listed within list-wait, and still deletes it', async () => {
    lagProxy.setLag({ objectsMs: 60_000, uploadsMs: 0 });
    const failure = await preflightFailure({ endpoint: lagProxy.url, listWaitMs: 1000 });
    lagProxy.setLag({ objectsMs: 0, uploadsMs: 0 });
    expect(failure.step).toBe('list probe');
    expect(failure.cause).toMatch(/not listed within 1 s/);
    expect(failure.fix).toMatch(/storage: filesystem/);
  });

  it('wrong secret key: SignatureDoesNotMatch at "head bucket", fix names cos-secret-key, the key never shown', async () => {
    const failure = await preflightFailure({ secretKey: 'not-the-right-secret-key-0123456789' });
    expect(failure).toMatchObject({ step: 'head bucket', status: 403, code: 'SignatureDoesNotMatch' });
    expect(failure.fix).toContain('cos-secret-key');
  });

  it('unknown SecretId: InvalidAccessKeyId, fix names cos-secret-id', async () => {
    const failure = await preflightFailure({ secretId: 'AKIDNOSUCHKEY000000' });
    expect(failure).toMatchObject({ step: 'head bucket', status: 403, code: 'InvalidAccessKeyId' });
    expect(failure.fix).toContain('cos-secret-id');
  });

  it('wrong region in the signature (radosgw accepts any region, so a proxy answers S3\'s AuthorizationHeaderMalformed): fix names cos-region and the expected one', async () => {
    const failure = await preflightFailure({ endpoint: regionProxy.url, region: 'ap-chegndu' });
    expect(failure).toMatchObject({ step: 'head bucket', status: 400, code: 'AuthorizationHeaderMalformed' });
    expect(failure.fix).toContain('cos-region');
    expect(failure.fix).toContain(REGION);
    expect(regionProxy.refused.length).toBeGreaterThan(0);
  });

  it('missing bucket: NoSuchBucket, fix names cos-bucket with its APPID', async () => {
    const failure = await preflightFailure({ bucket: 'harbor-missing-1250000000' });
    expect(failure).toMatchObject({ step: 'head bucket', status: 404, code: 'NoSuchBucket' });
    expect(failure.fix).toContain('cos-bucket');
    expect(failure.fix).toMatch(/APPID/);
  });

  it('bucket created after 2024 (proxy answering COS\'s 403 PathStyleDomainForbidden): cause explains the rule, fix offers the bucket domain or filesystem', async () => {
    const failure = await preflightFailure({ endpoint: pathStyleProxy.url });
    expect(failure).toMatchObject({ step: 'head bucket', status: 403, code: 'PathStyleDomainForbidden' });
    expect(failure.cause).toMatch(/after 2024-01-01/);
    expect(failure.fix).toContain('cos-endpoint');
    expect(failure.fix).toContain(`https://${BUCKET}.cos.${REGION}.myqcloud.com`);
    expect(failure.fix).toContain('storage: filesystem');
  });

  it('CAM policy without ListMultipartUploads (proxy answering AccessDenied): fails there, names the action, aborts the upload and deletes the probe', async () => {
    const failure = await preflightFailure({ endpoint: denyUploadListingProxy.url });
    expect(failure).toMatchObject({ step: 'list multipart uploads', status: 403, code: 'AccessDenied' });
    expect(failure.cause).toContain('cos:ListMultipartUploads');
    expect(failure.fix).toContain('cos-secret-id');
    expect(failure.steps.filter((step) => step.ok).map((step) => step.name)).toEqual(['head bucket', 'put probe', 'list probe', 'initiate multipart upload']);
  });
});
