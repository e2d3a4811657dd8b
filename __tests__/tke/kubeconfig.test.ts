import yaml from 'js-yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { clearSecretsForTests, redact } from '../../src/report/redact.js';
import { apiRoute, checkTencentCloudApiEndpoint } from '../../src/tke/api-endpoint.js';
import { checkTkeClusterId, checkTkeRegion, fetchTkeKubeconfig, TkeKubeconfigError, type TkeKubeconfigRequest } from '../../src/tke/kubeconfig.js';
import { maskedValues, visibleLog } from '../support/run-action.js';
import { startTencentCloudApi, type SimulatedCluster, type TencentCloudApi } from '../support/tencentcloud-api/server.js';

const SECRET_ID = 'AKIDtkeTestKey00000000000000000000';
const SECRET_KEY = 'tke-test-secret-key-0123456789abcdef';
const LIMITED_ID = 'AKIDtkeLimitedKey000000000000000000';
const LIMITED_KEY = 'tke-limited-secret-key-9876543210';
const NO_STATUS_ID = 'AKIDtkeNoStatusKey00000000000000000';
const NO_STATUS_KEY = 'tke-no-status-secret-key-55555555';

const CERT_DATA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBsimulatedclientcert\n-----END CERTIFICATE-----\n').toString('base64');
const KEY_DATA = Buffer.from('-----BEGIN RSA PRIVATE KEY-----\nMIIEsimulatedclientkey\n-----END RSA PRIVATE KEY-----\n').toString('base64');
const TOKEN = 'tke-user-token-Zq8vR2mX7pL4nK9wB3cD';

/** The shape TKE returns: one cluster, one context, the CAM user's client certificate (or token). */
function tkeKubeconfig(server: string, user: Record<string, string>): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'cls-abcd1234', cluster: { server, 'certificate-authority-data': Buffer.from('simulated CA').toString('base64') } }],
    contexts: [{ name: 'cls-abcd1234-100000000001-context-default', context: { cluster: 'cls-abcd1234', user: '100000000001' } }],
    'current-context': 'cls-abcd1234-100000000001-context-default',
    users: [{ name: '100000000001', user }],
  });
}

const RUNNING: SimulatedCluster = {
  region: 'ap-guangzhou',
  kubeconfig: {
    internet: tkeKubeconfig('https://cls-abcd1234.ccs.tencent-cloud.com', { token: TOKEN }),
    intranet: tkeKubeconfig('https://10.0.0.12:443', { 'client-certificate-data': CERT_DATA, 'client-key-data': KEY_DATA }),
  },
  endpoints: { internet: 'Created', intranet: 'Created' },
};

const INTRANET_ONLY: SimulatedCluster = {
  region: 'ap-guangzhou',
  // Without the public endpoint TKE still answers, with a default domain that does not resolve.
  kubeconfig: { internet: tkeKubeconfig('https://cls-intr0001.ccs.tencent-cloud.com', { token: TOKEN }), intranet: RUNNING.kubeconfig.intranet },
  endpoints: { internet: 'NotFound', intranet: 'Created' },
};

let api: TencentCloudApi;
let stdout: MockInstance<typeof process.stdout.write>;

function written(): string {
  return stdout.mock.calls.map(([text]) => String(text)).join('');
}

function request(overrides: Partial<TkeKubeconfigRequest> = {}): TkeKubeconfigRequest {
  return { clusterId: 'cls-abcd1234', region: 'ap-guangzhou', secretId: SECRET_ID, secretKey: SECRET_KEY, endpointAccess: 'internet', apiEndpoint: api.url, ...overrides };
}

async function failure(overrides: Partial<TkeKubeconfigRequest>): Promise<TkeKubeconfigError> {
  const error = await fetchTkeKubeconfig(request(overrides)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(TkeKubeconfigError);
  return error as TkeKubeconfigError;
}

/** No credential in what a user sees: the error text and the log (the runner's mask commands aside). */
function expectNoSecretIn(text: string): void {
  for (const secret of [SECRET_KEY, LIMITED_KEY, 'wrong-secret-key-that-leaks', TOKEN, KEY_DATA, CERT_DATA]) expect(text).not.toContain(secret);
}

beforeAll(async () => {
  api = await startTencentCloudApi({
    keys: { [SECRET_ID]: SECRET_KEY, [LIMITED_ID]: LIMITED_KEY, [NO_STATUS_ID]: NO_STATUS_KEY },
    clusters: { 'cls-abcd1234': RUNNING, 'cls-intr0001': INTRANET_ONLY },
    allowedActions: { [LIMITED_ID]: ['DescribeClusterEndpointStatus'], [NO_STATUS_ID]: ['DescribeClusterKubeconfig'] },
  });
});

afterAll(async () => {
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  stdout.mockRestore();
  clearSecretsForTests();
});

describe('fetchTkeKubeconfig against a TKE API that verifies TC3-HMAC-SHA256 signatures', () => {
  it('returns the public-endpoint kubeconfig, signed for tke, with its token and the SecretKey masked', async () => {
    const kubeconfig = await fetchTkeKubeconfig(request());

    const document = yaml.load(kubeconfig) as { clusters: { cluster: { server: string } }[]; users: { user: { token: string } }[] };
    expect(document.clusters[0]!.cluster.server).toBe('https://cls-abcd1234.ccs.tencent-cloud.com');
    expect(document.users[0]!.user.token).toBe(TOKEN);
    expect(api.calls.map((call) => [call.action, call.body.IsExtranet, call.region, call.error])).toEqual([
      ['DescribeClusterKubeconfig', true, 'ap-guangzhou', undefined],
      ['DescribeClusterEndpointStatus', true, 'ap-guangzhou', undefined],
    ]);
    // The request names the real API host, as a forwarder in front of TencentCloud needs.
    expect(api.calls[0]!.host).toMatch(/^tke\.tencentcloudapi\.com:\d+$/);

    const masked = maskedValues(written());
    expect(masked).toEqual(expect.arrayContaining([TOKEN, SECRET_KEY]));
    expect(redact(`token ${TOKEN} key ${SECRET_KEY}`)).toBe('token *** key ***');
    expectNoSecretIn(visibleLog(written()));
    expect(visibleLog(written())).toContain('Got a kubeconfig for TKE cluster cls-abcd1234');
  });

  it('asks for the private-endpoint kubeconfig with tke-endpoint-access: intranet and masks its client key', async () => {
    const kubeconfig = await fetchTkeKubeconfig(request({ endpointAccess: 'intranet' }));

    expect((yaml.load(kubeconfig) as { clusters: { cluster: { server: string } }[] }).clusters[0]!.cluster.server).toBe('https://10.0.0.12:443');
    expect(api.calls.map((call) => call.body.IsExtranet)).toEqual([false, false]);
    expect(maskedValues(written())).toEqual(expect.arrayContaining([KEY_DATA, CERT_DATA]));
    expectNoSecretIn(visibleLog(written()));
  });

  it('reports a wrong SecretKey as a signature mismatch naming the key inputs, without the key', async () => {
    const error = await failure({ secretKey: 'wrong-secret-key-that-leaks' });

    expect(error.code).toBe('AuthFailure.SignatureFailure');
    expect(error.fix).toContain('tencentcloud-secret-key');
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]!.error).toBe('AuthFailure.SignatureFailure');
    expectNoSecretIn(error.message);
    expectNoSecretIn(visibleLog(written()));
  });

  it('reports an unknown SecretId as such', async () => {
    const error = await failure({ secretId: 'AKIDdoesNotExist0000000000000000000' });
    expect(error.code).toBe('AuthFailure.SecretIdNotFound');
    expect(error.fix).toContain('tencentcloud-secret-id');
  });

  it('reports an unknown cluster, or one in another region, pointing at tke-cluster-id and tke-region', async () => {
    const unknown = await failure({ clusterId: 'cls-zzzz9999' });
    expect(unknown.code).toBe('ResourceNotFound.ClusterNotFound');
    expect(unknown.message).toContain('cls-zzzz9999');
    expect(unknown.fix).toContain('tke-cluster-id');
    expect(unknown.fix).toContain('tke-region');

    const elsewhere = await failure({ region: 'ap-shanghai' });
    expect(elsewhere.code).toBe('ResourceNotFound.ClusterNotFound');
    expect(elsewhere.message).toContain('ap-shanghai');
    expectNoSecretIn(elsewhere.message);
  });

  it('fails with the console action when the public endpoint is not enabled, and still masks what TKE returned', async () => {
    const error = await failure({ clusterId: 'cls-intr0001' });

    expect(error.code).toBe('EndpointNotEnabled');
    expect(error.fix).toContain('Basic information → API server information');
    expect(error.fix).toContain('Public network access');
    expect(error.fix).toContain('tke-endpoint-access: intranet');
    expect(maskedValues(written())).toContain(TOKEN);
    expectNoSecretIn(error.message);

    // The same cluster through its private endpoint is fine.
    await expect(fetchTkeKubeconfig(request({ clusterId: 'cls-intr0001', endpointAccess: 'intranet' }))).resolves.toContain('10.0.0.12');
  });

  it('names the CAM permission when the key may not call DescribeClusterKubeconfig', async () => {
    const error = await failure({ secretId: LIMITED_ID, secretKey: LIMITED_KEY });
    expect(error.code).toBe('UnauthorizedOperation.CamNoAuth');
    expect(error.fix).toContain('tke:DescribeClusterKubeconfig');
    expect(error.fix).toContain('tencentcloud-secret-id');
  });

  it('goes on with a warning when only the endpoint check is not permitted', async () => {
    const kubeconfig = await fetchTkeKubeconfig(request({ secretId: NO_STATUS_ID, secretKey: NO_STATUS_KEY }));

    expect(kubeconfig).toContain('cls-abcd1234.ccs.tencent-cloud.com');
    expect(visibleLog(written())).toMatch(/::warning.*tke:DescribeClusterEndpointStatus/);
  });

  it('reports an API address that does not answer as a network error naming tencentcloud-api-endpoint', async () => {
    const closed = await startTencentCloudApi({ keys: {}, clusters: {} });
    await closed.close();

    const error = await failure({ apiEndpoint: closed.url });
    expect(error.code).toBe('NetworkError');
    expect(error.message).toContain(closed.url);
    expect(error.fix).toContain('tencentcloud-api-endpoint');
  });
});

describe('input checks', () => {
  it('accepts TKE cluster IDs and explains what else was given', () => {
    expect(checkTkeClusterId('cls-65r1c5nu')).toBeUndefined();
    expect(checkTkeClusterId(' cls-abcd1234 ')).toBeUndefined();
    expect(checkTkeClusterId('')).toContain('cls-');
    expect(checkTkeClusterId('harbor-prod')).toContain('cluster name');
    expect(checkTkeClusterId('cls_abcd1234')).toContain('not a TKE cluster ID');
    expect(checkTkeClusterId('cls-ABCD')).toContain('lowercase');
  });

  it('accepts regions by shape', () => {
    expect(checkTkeRegion('ap-guangzhou')).toBeUndefined();
    expect(checkTkeRegion('na-siliconvalley')).toBeUndefined();
    expect(checkTkeRegion('guangzhou')).toContain('not a TencentCloud region');
  });

  it('accepts API hosts and URLs, refuses credentials, paths and other schemes', () => {
    expect(checkTencentCloudApiEndpoint('')).toBeUndefined();
    expect(checkTencentCloudApiEndpoint('tke.internal.tencentcloudapi.com')).toBeUndefined();
    expect(checkTencentCloudApiEndpoint('https://10.0.0.5:8443')).toBeUndefined();
    expect(checkTencentCloudApiEndpoint('http://127.0.0.1:8080/')).toBeUndefined();
    expect(checkTencentCloudApiEndpoint('https://user:hunter2@proxy.example.com')).toContain('user name or password');
    expect(checkTencentCloudApiEndpoint('https://proxy.example.com/tke')).toContain('host (and port) only');
    expect(checkTencentCloudApiEndpoint('ftp://proxy.example.com')).toContain('only https');
  });
});

describe('where requests go', () => {
  it('uses a tke.* host as the endpoint, and only connects to any other address while naming the TKE API', () => {
    expect(apiRoute(undefined)).toEqual({ endpoint: 'tke.tencentcloudapi.com', protocol: 'https://' });
    expect(apiRoute('tke.internal.tencentcloudapi.com')).toEqual({ endpoint: 'tke.internal.tencentcloudapi.com', protocol: 'https://' });
    const forwarded = apiRoute('https://10.0.0.5:8443');
    expect(forwarded.endpoint).toBe('tke.tencentcloudapi.com:8443');
    expect(forwarded.agent).toBeDefined();
    expect(() => apiRoute('https://user:pw@proxy.example.com')).toThrow(TkeKubeconfigError);
  });
});
