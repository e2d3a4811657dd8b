import { describe, expect, it } from 'vitest';
import { parseEndpoint, requestPath, signCall, type CosConnection } from '../../src/storage/cos-request.js';
import { headBucketCall } from '../../src/storage/preflight.js';
import { probeKey } from '../../src/storage/probe-key.js';

// The requests the registry (distribution 2.8, regionendpoint set → path-style) would send, for
// endpoints that cannot run here: COS's regional domain and the bucket-domain workaround.
const BUCKET = 'harbor-1250000000';

function connection(endpoint: string, region = 'ap-guangzhou'): CosConnection {
  return { endpoint: parseEndpoint(endpoint), region, bucket: BUCKET, secretId: 'AKIDEXAMPLE', secretKey: 'example-secret', requestTimeoutMs: 1000 };
}

describe('COS requests shaped like the registry\'s', () => {
  it('regional endpoint: path-style /<bucket>/<key>, Host the endpoint, SigV4 scope with the region', () => {
    const signed = signCall(connection('https://cos.ap-guangzhou.myqcloud.com'), { method: 'PUT', key: 'harbor/_harbor_tke_preflight/x', body: Buffer.from('x') });
    expect(signed.url.href).toBe(`https://cos.ap-guangzhou.myqcloud.com/${BUCKET}/harbor/_harbor_tke_preflight/x`);
    expect(signed.headers.Host).toBe('cos.ap-guangzhou.myqcloud.com');
    expect(signed.headers.Authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-guangzhou\/s3\/aws4_request, SignedHeaders=[^ ]*host[^ ]*, Signature=[0-9a-f]{64}$/);
    expect(signed.headers['X-Amz-Content-Sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('bucket-domain endpoint: the registry still puts /<bucket> in front of the key, so the preflight does too', () => {
    const signed = signCall(connection(`https://${BUCKET}.cos.ap-guangzhou.myqcloud.com`), { method: 'GET', query: [['list-type', '2'], ['prefix', '_harbor_tke_preflight/x']] });
    expect(signed.url.href).toBe(`https://${BUCKET}.cos.ap-guangzhou.myqcloud.com/${BUCKET}?list-type=2&prefix=_harbor_tke_preflight%2Fx`);
    expect(signed.headers.Host).toBe(`${BUCKET}.cos.ap-guangzhou.myqcloud.com`);
  });

  it('HEAD bucket addresses the bucket as / on a bucket domain and as /<bucket> elsewhere', () => {
    const onBucketDomain = connection(`https://${BUCKET}.cos.ap-guangzhou.myqcloud.com`);
    const onRegional = connection('https://cos.ap-guangzhou.myqcloud.com');
    const onS3Compatible = connection('http://127.0.0.1:9000');
    expect(requestPath(onBucketDomain, headBucketCall(onBucketDomain.endpoint))).toBe('/');
    expect(requestPath(onRegional, headBucketCall(onRegional.endpoint))).toBe(`/${BUCKET}`);
    expect(requestPath(onS3Compatible, headBucketCall(onS3Compatible.endpoint))).toBe(`/${BUCKET}`);
  });

  it('keeps a path in the endpoint, escapes keys like the SDK and sends bare sub-resources (?uploads)', () => {
    const withPath = connection('http://s3.example.test:9000/storage/');
    expect(requestPath(withPath, { method: 'POST', key: "a b/c+d!'()*", query: [['uploads']] })).toBe(`/storage/${BUCKET}/a%20b/c%2Bd%21%27%28%29%2A?uploads`);
    expect(parseEndpoint('cos.ap-guangzhou.myqcloud.com').href).toBe('https://cos.ap-guangzhou.myqcloud.com/');
  });

  it('puts the probe under the root directory as the registry\'s s3Path does', () => {
    expect(probeKey('/')).toMatch(/^_harbor_tke_preflight\/[\w-]+$/);
    expect(probeKey('/harbor')).toMatch(/^harbor\/_harbor_tke_preflight\/[\w-]+$/);
    expect(probeKey('/harbor/')).toMatch(/^harbor\/_harbor_tke_preflight\/[\w-]+$/);
    expect(probeKey('/a/b')).not.toBe(probeKey('/a/b'));
  });
});
