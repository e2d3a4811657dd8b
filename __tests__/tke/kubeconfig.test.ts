import yaml from 'js-yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { clearSecretsForTests, redact } from '../../src/report/redact.js';
import { apiRoute, checkTencentCloudApiEndpoint, tkeApiHost } from '../../src/tke/api-endpoint.js';
import { checkTkeClusterId, checkTkeRegion, fetchTkeKubeconfig, TkeKubeconfigError, type TkeKubeconfigRequest } from '../../src/tke/kubeconfig.js';
import { refusingAddress, startTlsListener, type Listener } from '../support/listeners.js';
import { maskedValues, visibleLog } from '../support/run-action.js';
import { startTencentCloudApi, type SimulatedCluster, type TencentCloudApi } from '../support/tencentcloud-api/server.js';

const SECRET_ID = 'AKIDtkeTestKey00000000000000000000';
const SECRET_KEY = 'tke-test-secret-key-0123456789abcdef';
const LIMITED_ID = 'AKIDtkeLimitedKey000000000000000000';
const LIMITED_KEY = 'tke-limited-secret-key-9876543210';
const NO_STATUS_ID = 'AKIDtkeNoStatusKey00000000000000000';
const NO_STATUS_KEY = 'tke-no-status-secret-key-55555555';

let api: TencentCloudApi;
let apiServer: Listener;
let refused: string;
let stdout: MockInstance<typeof process.stdout.write>;

interface KubeconfigShape {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
  users: { name: string; user: Record<string, string> }[];
}

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
function expectNoSecretIn(text: string, kubeconfig?: string): void {
  const user = kubeconfig ? (yaml.load(kubeconfig) as KubeconfigShape).users[0]!.user : {};
  for (const secret of [SECRET_KEY, LIMITED_KEY, 'wrong-secret-key-that-leaks', ...Object.values(user)]) expect(text).not.toContain(secret);
}

beforeAll(async () => {
  apiServer = await startTlsListener();
  refused = await refusingAddress();
  const running: SimulatedCluster = {
    region: 'ap-guangzhou',
    endpoints: { internet: { status: 'Created', server: apiServer.url }, intranet: { status: 'Created', server: apiServer.url } },
  };
  // Without the public endpoint TKE still answers, with a server address that does not answer.
  const intranetOnly: SimulatedCluster = {
    region: 'ap-guangzhou',
    endpoints: { internet: { status: 'NotFound', server: refused }, intranet: { status: 'Created', server: apiServer.url } },
  };
  // Reachable from nowhere here: a private endpoint with its placement, a public one with no policy read.
  const unreachable: SimulatedCluster = {
    region: 'ap-guangzhou',
    endpoints: { internet: { status: 'Created', server: refused }, intranet: { status: 'Created', server: refused } },
    policy: { intranetSubnetId: 'subnet-0priv001', intranetSecurityGroup: 'sg-0priv001' },
  };
  api = await startTencentCloudApi({
    keys: {
      [SECRET_ID]: { secretKey: SECRET_KEY, uin: '100000000001' },
      [LIMITED_ID]: { secretKey: LIMITED_KEY, allowedActions: ['DescribeClusterEndpointStatus'] },
      [NO_STATUS_ID]: { secretKey: NO_STATUS_KEY, allowedActions: ['DescribeClusterKubeconfig'] },
    },
    clusters: { 'cls-abcd1234': running, 'cls-intr0001': intranetOnly, 'cls-unreach1': unreachable },
  });
});

afterAll(async () => {
  await api.close();
  await apiServer.close();
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
  it('returns the public-endpoint kubeconfig with the sub-account client certificate, its key and the SecretKey masked', async () => {
    const kubeconfig = await fetchTkeKubeconfig(request());

    const document = yaml.load(kubeconfig) as KubeconfigShape;
    expect(document.clusters[0]!.cluster.server).toBe(apiServer.url);
    expect(document['current-context']).toBe('cls-abcd1234-100000000001-context-default');
    const user = document.users[0]!.user;
    expect(Object.keys(user).sort()).toEqual(['client-certificate-data', 'client-key-data']);
    expect(Buffer.from(user['client-key-data']!, 'base64').toString()).toContain('PRIVATE KEY');
    expect(api.calls.map((call) => [call.action, call.body.IsExtranet, call.region, call.error])).toEqual([
      ['DescribeClusterKubeconfig', true, 'ap-guangzhou', undefined],
      ['DescribeClusterEndpointStatus', true, 'ap-guangzhou', undefined],
    ]);
    // The request names the TKE domain, without the test server's port (see apiRoute).
    expect(api.calls[0]!.host).toBe('tke.tencentcloudapi.com');

    expect(maskedValues(written())).toEqual(expect.arrayContaining([user['client-key-data'], user['client-certificate-data'], SECRET_KEY]));
    expect(redact(`key ${user['client-key-data']} secret ${SECRET_KEY}`)).toBe('key *** secret ***');
    expectNoSecretIn(visibleLog(written()), kubeconfig);
    expect(visibleLog(written())).toContain('Got a kubeconfig for TKE cluster cls-abcd1234');
    expect(visibleLog(written())).toContain(`The API server at ${apiServer.url} answered`);
  });

  it('asks for the private-endpoint kubeconfig with tke-endpoint-access: intranet', async () => {
    const kubeconfig = await fetchTkeKubeconfig(request({ endpointAccess: 'intranet' }));

    expect((yaml.load(kubeconfig) as KubeconfigShape).users[0]!.user['client-key-data']).toBeDefined();
    expect(api.calls.map((call) => call.body.IsExtranet)).toEqual([false, false]);
    expectNoSecretIn(visibleLog(written()), kubeconfig);
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

  it('fails with the console action when the public endpoint is not enabled and does not answer, and still masks what TKE returned', async () => {
    const error = await failure({ clusterId: 'cls-intr0001' });

    expect(error.code).toBe('EndpointNotEnabled');
    expect(error.problem).toContain('refused the connection');
    expect(error.fix).toContain('Basic information → API server information');
    expect(error.fix).toContain('Public network access');
    expect(error.fix).toContain('tke-endpoint-access: intranet');
    expect(maskedValues(written()).length).toBeGreaterThanOrEqual(3);
    expectNoSecretIn(error.message);

    // The same cluster through its private endpoint is fine.
    await expect(fetchTkeKubeconfig(request({ clusterId: 'cls-intr0001', endpointAccess: 'intranet' }))).resolves.toContain('client-key-data');
  });

  it('does not try the API server when kubectl would go through a proxy, and only warns about the state', async () => {
    vi.stubEnv('HTTPS_PROXY', 'http://proxy.internal:3128');
    try {
      await expect(fetchTkeKubeconfig(request({ clusterId: 'cls-intr0001' }))).resolves.toContain('client-key-data');
    } finally {
      vi.unstubAllEnvs();
    }
    expect(visibleLog(written())).toContain(
      '::warning title=TKE endpoint::TKE reports the public network access endpoint of cls-intr0001 as NotFound; kubectl may not reach it. (Not tried: kubectl connects to it through the proxy in HTTPS_PROXY.)',
    );
  });

  it('names the CAM permission when the key may not call DescribeClusterKubeconfig', async () => {
    const error = await failure({ secretId: LIMITED_ID, secretKey: LIMITED_KEY });
    expect(error.code).toBe('UnauthorizedOperation.CamNoAuth');
    expect(error.fix).toContain('tke:DescribeClusterKubeconfig');
    expect(error.fix).toContain('tencentcloud-secret-id');
  });

  it('goes on with a warning when only the endpoint state may not be read, the API server answering', async () => {
    const kubeconfig = await fetchTkeKubeconfig(request({ secretId: NO_STATUS_ID, secretKey: NO_STATUS_KEY }));

    expect(kubeconfig).toContain(apiServer.url);
    expect(visibleLog(written())).toMatch(/::warning.*tke:DescribeClusterEndpointStatus/);
  });

  it('explains a private endpoint that does not answer with its subnet and security group', async () => {
    const error = await failure({ clusterId: 'cls-unreach1', endpointAccess: 'intranet' });

    expect(error.code).toBe('EndpointUnreachable');
    expect(error.message).toBe(
      `The kubeconfig from TKE does not reach the cluster's API server: the API server at ${refused} (private network access endpoint of cls-unreach1) refused the connection to port ${new URL(refused).port}. ` +
        "A private endpoint answers only inside the cluster's VPC (subnet subnet-0priv001) and networks connected to it, and only to addresses its security group sg-0priv001 admits; a GitHub-hosted runner is outside the VPC. " +
        "Fix: run the job on a self-hosted runner in the cluster's VPC (or a network connected to it) that the security group admits, or use tke-endpoint-access: internet with a public endpoint that allows the runner's address.",
    );
  });

  it('still explains an unreachable public endpoint when the key may read neither its state nor its policy', async () => {
    const error = await failure({ clusterId: 'cls-unreach1', secretId: NO_STATUS_ID, secretKey: NO_STATUS_KEY });

    expect(error.code).toBe('EndpointUnreachable');
    expect(error.problem).toContain('(public network access endpoint of cls-unreach1; its state could not be read)');
    expect(error.problem).toContain('its policy could not be read (UnauthorizedOperation.CamNoAuth; grant tke:DescribeClusterEndpoints to see it here)');
    expect(error.fix).toContain('tke-endpoint-access: intranet');
    expect(error.fix).toContain('Check also that Public network access is enabled there.');
    expect(visibleLog(written())).toMatch(/::warning title=TKE endpoint state unknown::.*tke:DescribeClusterEndpointStatus/);
  });

  it('reports an API address that does not answer as a network error naming tencentcloud-api-endpoint', async () => {
    const error = await failure({ apiEndpoint: refused.replace('https:', 'http:') });
    expect(error.code).toBe('NetworkError');
    expect(error.message).toContain(refused.replace('https:', 'http:'));
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

  it('accepts regions by shape, finance regions included', () => {
    expect(checkTkeRegion('ap-guangzhou')).toBeUndefined();
    expect(checkTkeRegion('na-siliconvalley')).toBeUndefined();
    expect(checkTkeRegion('ap-shanghai-fsi')).toBeUndefined();
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
  it('names the finance domain for a finance region and the nearest-access domain for the others', () => {
    expect(tkeApiHost('ap-guangzhou')).toBe('tke.tencentcloudapi.com');
    expect(tkeApiHost('ap-shanghai-fsi')).toBe('tke.ap-shanghai-fsi.tencentcloudapi.com');
    expect(tkeApiHost('ap-shenzhen-fsi')).toBe('tke.ap-shenzhen-fsi.tencentcloudapi.com');
    expect(apiRoute(undefined, 'ap-guangzhou')).toEqual({ endpoint: 'tke.tencentcloudapi.com', protocol: 'https://' });
    expect(apiRoute('', 'ap-shenzhen-fsi')).toEqual({ endpoint: 'tke.ap-shenzhen-fsi.tencentcloudapi.com', protocol: 'https://' });
  });

  it('uses a tke.* host as named (the international site\'s tke.intl included), and any other address only to connect to', () => {
    expect(apiRoute('tke.internal.tencentcloudapi.com', 'ap-guangzhou')).toEqual({ endpoint: 'tke.internal.tencentcloudapi.com', protocol: 'https://' });
    expect(apiRoute('tke.intl.tencentcloudapi.com', 'ap-singapore')).toEqual({ endpoint: 'tke.intl.tencentcloudapi.com', protocol: 'https://' });
    const forwarded = apiRoute('https://10.0.0.5:8443', 'ap-guangzhou');
    expect(forwarded.endpoint).toBe('tke.tencentcloudapi.com');
    expect(forwarded.agent).toBeDefined();
    expect(apiRoute('https://10.0.0.5:8443', 'ap-shanghai-fsi').endpoint).toBe('tke.ap-shanghai-fsi.tencentcloudapi.com');
    expect(() => apiRoute('https://user:pw@proxy.example.com', 'ap-guangzhou')).toThrow(TkeKubeconfigError);
  });

  it('over https, connects to the address given and verifies the certificate for the TKE domain it names', async () => {
    // The listener's certificate is self-signed: the request reached it, named TKE, and was verified.
    const error = await failure({ apiEndpoint: apiServer.url });
    expect(error.code).toBe('NetworkError');
    // (Node 24 appends a hint about --use-system-ca.)
    expect(error.problem).toContain(`could not reach the TencentCloud API at ${apiServer.url}: request to https://tke.tencentcloudapi.com/ failed, reason: self-signed certificate`);
  });

  it('never puts a port into the name it signs: a tke.* host with a port is connected to on that port', () => {
    const route = apiRoute('https://tke.internal.tencentcloudapi.com:8443', 'ap-guangzhou');
    expect(route.endpoint).toBe('tke.internal.tencentcloudapi.com');
    expect(route.agent).toBeDefined();
  });
});
