import { lookup } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import type { LookupFunction } from 'node:net';
import { tke } from 'tencentcloud-sdk-nodejs-tke';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoute } from '../../src/tke/api-endpoint.js';
import { startTencentCloudApi, type EndpointStatus, type TencentCloudApi } from '../support/tencentcloud-api/server.js';

/** The fake TKE API against the official SDK, unchanged: what it accepts and answers is what the action's tests rely on. */
const SECRET_ID = 'AKIDfakeApiTest000000000000000000';
const SECRET_KEY = 'fake-api-test-secret-key-000000';
const STATES: EndpointStatus[] = ['Created', 'Creating', 'CreateFailed', 'Deleting', 'Deleted', 'DeletedFailed', 'NotFound'];

let api: TencentCloudApi;
let port: number;

beforeAll(async () => {
  const clusters = Object.fromEntries(
    STATES.map((status, index) => [
      `cls-state00${index}`,
      { region: 'ap-guangzhou', endpoints: { internet: { status, server: 'https://203.0.113.10', errorMsg: status.endsWith('Failed') ? 'simulated failure' : undefined }, intranet: { status: 'Created' as const, server: 'https://10.0.0.12' } } },
    ]),
  );
  api = await startTencentCloudApi({
    keys: {
      [SECRET_ID]: { secretKey: SECRET_KEY },
      AKIDallowList000000000000000000000: { secretKey: SECRET_KEY, ipAllowList: ['198.51.100.0/24'] },
      AKIDblockList000000000000000000000: { secretKey: SECRET_KEY, ipBlockList: ['127.0.0.0/8'] },
    },
    clusters: {
      ...clusters,
      'cls-policy01': {
        region: 'ap-guangzhou',
        endpoints: { internet: { status: 'Created', server: 'https://203.0.113.10' }, intranet: { status: 'Created', server: 'https://10.0.0.12' } },
        policy: { externalAcl: ['203.0.113.0/24'], securityGroup: 'sg-0ext0001', intranetSecurityGroup: 'sg-0int0001', intranetSubnetId: 'subnet-0001' },
      },
      'cls-norbac01': {
        region: 'ap-guangzhou',
        endpoints: { internet: { status: 'Created', server: 'https://203.0.113.10' }, intranet: { status: 'Created', server: 'https://10.0.0.12' } },
        errors: { DescribeClusterKubeconfig: { code: 'UnauthorizedOperation.NoRBACPermissions', message: 'no rbac permissions' } },
      },
      'cls-fsi00001': {
        region: 'ap-shanghai-fsi',
        endpoints: { internet: { status: 'Created', server: 'https://203.0.113.10' }, intranet: { status: 'Created', server: 'https://10.0.0.12' } },
      },
    },
  });
  port = Number(new URL(api.url).port);
});

afterAll(async () => {
  await api.close();
});

function client(region: string, httpProfile: Record<string, unknown>, secretId = SECRET_ID) {
  return new tke.v20180525.Client({ credential: { secretId, secretKey: SECRET_KEY }, region, profile: { httpProfile } });
}

/** Through the action's own route: the name signed and sent, the test server connected to. */
function routed(region: string, secretId = SECRET_ID) {
  const route = apiRoute(api.url, region);
  return client(region, { endpoint: route.endpoint, protocol: route.protocol, agent: route.agent }, secretId);
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );
}

describe('the fake TKE API and the official SDK', () => {
  it('checks the signature against the Host it receives: the SDK signs a ported endpoint without its port and is refused', async () => {
    const toTestServer: LookupFunction = (_name, options, callback) => lookup('127.0.0.1', options, callback);
    const ported = client('ap-guangzhou', { endpoint: `tke.tencentcloudapi.com:${port}`, protocol: 'http://', agent: new HttpAgent({ lookup: toTestServer }) });

    expect(await errorCode(ported.DescribeClusterEndpointStatus({ ClusterId: 'cls-state000', IsExtranet: true }))).toBe('AuthFailure.SignatureFailure');
    expect(api.calls.at(-1)!.host).toBe(`tke.tencentcloudapi.com:${port}`);

    await expect(routed('ap-guangzhou').DescribeClusterEndpointStatus({ ClusterId: 'cls-state000', IsExtranet: true })).resolves.toMatchObject({ Status: 'Created' });
    expect(api.calls.at(-1)!.host).toBe('tke.tencentcloudapi.com');
  });

  it('reports every endpoint state, with ErrorMsg for the failed ones', async () => {
    const answers = [];
    for (const [index] of STATES.entries()) answers.push(await routed('ap-guangzhou').DescribeClusterEndpointStatus({ ClusterId: `cls-state00${index}`, IsExtranet: true }));
    expect(answers.map((answer) => [answer.Status, answer.ErrorMsg])).toEqual(STATES.map((status) => [status, status.endsWith('Failed') ? 'simulated failure' : '']));
  });

  it('describes the endpoints and their security policy in the SDK model\'s fields', async () => {
    const endpoints = await routed('ap-guangzhou').DescribeClusterEndpoints({ ClusterId: 'cls-policy01' });
    expect(endpoints).toMatchObject({ ClusterExternalACL: ['203.0.113.0/24'], SecurityGroup: 'sg-0ext0001', IntranetSecurityGroup: 'sg-0int0001', ClusterIntranetSubnetId: 'subnet-0001', ClusterExternalEndpoint: '203.0.113.10' });
    expect(endpoints.CertificationAuthority).toContain('BEGIN CERTIFICATE');
  });

  it('serves a finance region only on its own domain', async () => {
    const general = client('ap-shanghai-fsi', { endpoint: 'tke.tencentcloudapi.com', protocol: 'http://', agent: apiRoute(api.url, 'ap-guangzhou').agent });
    expect(await errorCode(general.DescribeClusterKubeconfig({ ClusterId: 'cls-fsi00001', IsExtranet: true }))).toBe('UnsupportedRegion');

    await expect(routed('ap-shanghai-fsi').DescribeClusterKubeconfig({ ClusterId: 'cls-fsi00001', IsExtranet: true })).resolves.toMatchObject({ Kubeconfig: expect.stringContaining('client-key-data') });
    expect(api.calls.at(-1)!.host).toBe('tke.ap-shanghai-fsi.tencentcloudapi.com');
  });

  it('answers the error codes set for a cluster or a key', async () => {
    expect(await errorCode(routed('ap-guangzhou').DescribeClusterKubeconfig({ ClusterId: 'cls-norbac01', IsExtranet: true }))).toBe('UnauthorizedOperation.NoRBACPermissions');
    expect(await errorCode(routed('ap-guangzhou', 'AKIDallowList000000000000000000000').DescribeClusterKubeconfig({ ClusterId: 'cls-state000' }))).toBe('IpNotInWhitelist');
    expect(await errorCode(routed('ap-guangzhou', 'AKIDblockList000000000000000000000').DescribeClusterKubeconfig({ ClusterId: 'cls-state000' }))).toBe('IpInBlacklist');
  });
});
