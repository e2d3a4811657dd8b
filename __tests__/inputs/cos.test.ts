import { describe, expect, it } from 'vitest';
import { classifyEndpointHost, closestKnownRegion, editDistance } from '../../src/inputs/cos.js';

describe('COS endpoints and regions', () => {
  it.each([
    ['cos.ap-guangzhou.myqcloud.com', { kind: 'cos-regional', region: 'ap-guangzhou' }],
    ['harbor-1250000000.cos.ap-guangzhou.myqcloud.com', { kind: 'cos-bucket-domain', region: 'ap-guangzhou', bucket: 'harbor-1250000000' }],
    ['cos.ap-guangzhou.tencentcos.cn', { kind: 'cos-regional', region: 'ap-guangzhou' }],
    ['cos-internal.ap-guangzhou.tencentcos.cn', { kind: 'cos-regional', region: 'ap-guangzhou' }],
    ['harbor-1250000000.cos.accelerate.myqcloud.com', { kind: 'cos-accelerate', bucket: 'harbor-1250000000' }],
    ['cos-website.ap-guangzhou.myqcloud.com', { kind: 'cos-unrecognised' }],
    ['service.cos.myqcloud.com', { kind: 'cos-unrecognised' }],
    ['127.0.0.1', { kind: 's3-compatible' }],
    ['minio.internal.example', { kind: 's3-compatible' }],
    ['notmyqcloud.com', { kind: 's3-compatible' }],
  ])('%s', (host, expected) => {
    expect(classifyEndpointHost(host)).toMatchObject(expected);
  });

  it('suggests the known region for a typo, and nothing for an unrelated name', () => {
    expect(editDistance('ap-chegndu', 'ap-chengdu')).toBe(1);
    expect(closestKnownRegion('ap-chegndu')).toBe('ap-chengdu');
    expect(closestKnownRegion('ap-shanghia')).toBe('ap-shanghai');
    expect(closestKnownRegion('eu-frankfort')).toBe('eu-frankfurt');
    expect(closestKnownRegion('us-east-1')).toBeUndefined();
  });
});
