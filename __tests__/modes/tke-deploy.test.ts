import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinaryMirror, startChartRepository } from '../support/chart-repo.js';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';
import { refusingAddress, startSilentListener, type Listener } from '../support/listeners.js';
import { maskedValues, runAction, visibleLog, type ActionRun } from '../support/run-action.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedInputs, seedSecrets } from '../support/seed.js';
import { createClusterCa, type ClusterCa } from '../support/tencentcloud-api/cluster-ca.js';
import { startTencentCloudApi, type EndpointStatus, type SimulatedCluster, type TencentCloudApi } from '../support/tencentcloud-api/server.js';
import type { ToolMirror } from '../support/tool-mirror/server.js';

/**
 * From Tencent credentials to a running Harbor, through the bundle: no kubeconfig input, no
 * KUBECONFIG; the action asks TKE's API (a local server that verifies TC3-HMAC-SHA256 signatures)
 * for the sub-account's kubeconfig, a client certificate the simulated API server accepts, tries
 * the API server it names, and deploys with it. Then what a real account meets on the way: every
 * endpoint state, an endpoint that admits only some addresses, the documented error codes, a
 * finance region.
 */
const secretId = 'AKIDtkeTestSecretId00000000000000';
const secretKey = 'tkeTestSecretKey0000000000000000';
const UIN = '100000000042';
let sim: KubeSim;
let api: TencentCloudApi;
let ca: ClusterCa;
let silent: Listener;
let refused: string;
let binaries: ToolMirror;
let charts: ToolMirror;
/** One tool cache for every run: helm and kubectl are unpacked once. */
const toolCache = mkdtempSync(join(tmpdir(), 'tke-tool-cache-'));

const FAILING_STATES: { status: EndpointStatus; code: string; problem: string; fix: string }[] = [
  { status: 'NotFound', code: 'EndpointNotEnabled', problem: 'is not enabled (TKE reports NotFound)', fix: 'and enable Public network access, or run on a runner inside the cluster\'s VPC with tke-endpoint-access: intranet' },
  { status: 'Creating', code: 'EndpointCreating', problem: 'is still being enabled (TKE reports Creating)', fix: 're-run in a few minutes' },
  { status: 'CreateFailed', code: 'EndpointCreateFailed', problem: 'failed (TKE reports CreateFailed: security group sg-00000000 not found)', fix: 'enable Public network access again (check the security group and subnet it asks for)' },
  { status: 'Deleting', code: 'EndpointDeleting', problem: 'is being disabled (TKE reports Deleting)', fix: 'if that is on purpose, run on a runner inside the cluster\'s VPC' },
  { status: 'Deleted', code: 'EndpointDeleted', problem: 'has been disabled (TKE reports Deleted)', fix: 'enable Public network access again' },
  { status: 'DeletedFailed', code: 'EndpointDeleteFailed', problem: 'disabling the public network access endpoint of cls-state006\'s API server failed (TKE reports DeletedFailed: listener still in use)', fix: 'disable or enable Public network access again until it ends in a clear state' },
];

const ERROR_CODES: { code: string; problem: string; fix: string }[] = [
  { code: 'UnauthorizedOperation.NoRBACPermissions', problem: 'has no RBAC permissions in cluster cls-errcode1', fix: 'Authorization management (RBAC)' },
  { code: 'ResourceUnavailable.ClusterInAbnormalStat', problem: 'in an abnormal state (ResourceUnavailable.ClusterInAbnormalStat)', fix: 're-run once its status is Running' },
  { code: 'FailedOperation.KubeCommon', problem: 'could not work with the Kubernetes API server of cls-errcode3 to issue the credential (FailedOperation.KubeCommon)', fix: 'its control plane healthy' },
  { code: 'FailedOperation.KubernetesClientBuildError', problem: '(FailedOperation.KubernetesClientBuildError)', fix: 'its control plane healthy' },
  { code: 'FailedOperation.ComponentClientHttp', problem: 'TKE reported an internal failure while answering DescribeClusterKubeconfig for cls-errcode5 (FailedOperation.ComponentClientHttp)', fix: 're-run in a few minutes' },
  { code: 'FailedOperation.UnexpectedError', problem: 'TKE reported an internal failure while answering DescribeClusterKubeconfig for cls-errcode6 (FailedOperation.UnexpectedError)', fix: 're-run in a few minutes' },
];

function cluster(internet: SimulatedCluster['endpoints']['internet'], extra: Partial<SimulatedCluster> = {}): SimulatedCluster {
  return { region: 'ap-chengdu', clusterCa: ca, serverCaPem: sim.caPem, endpoints: { internet, intranet: { status: 'Created', server: sim.url } }, ...extra };
}

beforeAll(async () => {
  binaries = await startBinaryMirror();
  charts = await startChartRepository();
  ca = createClusterCa('cls-harbor01');
  sim = await startKubeSim({ tls: true, clientCaPem: ca.certPem, podReadyDelayMs: 150 });
  silent = await startSilentListener();
  refused = await refusingAddress();
  const clusters: Record<string, SimulatedCluster> = {
    'cls-harbor01': cluster({ status: 'Created', server: sim.url }),
    // A managed cluster: the state API reports its working public endpoint NotFound.
    'cls-managed1': cluster({ status: 'NotFound', server: sim.url }),
    'cls-finance1': cluster({ status: 'Created', server: sim.url }, { region: 'ap-shanghai-fsi' }),
    'cls-allowed1': cluster({ status: 'Created', server: silent.url }, { policy: { externalAcl: ['203.0.113.0/24', '198.51.100.7/32'], securityGroup: 'sg-4tkeapi1' } }),
    'cls-denyall1': cluster({ status: 'Created', server: refused }),
  };
  FAILING_STATES.forEach(({ status }, index) => {
    const errorMsg = status === 'CreateFailed' ? 'security group sg-00000000 not found' : status === 'DeletedFailed' ? 'listener still in use' : undefined;
    clusters[`cls-state00${index + 1}`] = cluster({ status, server: refused, errorMsg });
  });
  ERROR_CODES.forEach(({ code }, index) => {
    clusters[`cls-errcode${index + 1}`] = cluster({ status: 'Created', server: sim.url }, { errors: { DescribeClusterKubeconfig: { code, message: `simulated ${code}` } } });
  });
  api = await startTencentCloudApi({
    keys: {
      [secretId]: { secretKey, uin: UIN },
      AKIDtkeAllowListed000000000000000: { secretKey, ipAllowList: ['198.51.100.0/24'] },
      AKIDtkeBlockListed000000000000000: { secretKey, ipBlockList: ['127.0.0.1'] },
    },
    clusters,
  });
});
afterAll(async () => {
  await sim?.close();
  await api?.close();
  await silent?.close();
  await binaries?.close();
  await charts?.close();
});

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...seedInputs,
    mode: 'deploy',
    'tke-cluster-id': 'cls-harbor01',
    'tencentcloud-secret-id': secretId,
    'tencentcloud-secret-key': secretKey,
    'tencentcloud-api-endpoint': api.url,
    'helm-mirror': binaries.url,
    'kubectl-mirror': binaries.url,
    'chart-repo': charts.url,
    'storage-preflight': 'false',
    'smoke-test': 'false',
    ...extra,
  };
}

/** The one ::error:: line of a failed run, as the job log shows it. */
function errorLine(run: ActionRun): string {
  expect(run.exitCode).toBe(1);
  const lines = visibleLog(run.stdout).split('\n').filter((line) => line.startsWith('::error::'));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

function tkeRun(clusterId: string, extra: Record<string, string> = {}): Promise<ActionRun> {
  return runAction(inputs({ 'tke-cluster-id': clusterId, ...extra }), { toolCache, env: { KUBECONFIG: '' } });
}

describe('kubeconfig straight from TKE', () => {
  it('gets the sub-account client certificate with the signed API call, deploys with it, masks it and removes it afterwards', async () => {
    const run = await runAction(inputs(), { post: true, toolCache, env: { KUBECONFIG: '' } });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ revision: '1', status: 'deployed' });
    expect(api.calls.find((call) => call.action === 'DescribeClusterKubeconfig')).toMatchObject({ region: 'ap-chengdu', host: 'tke.tencentcloudapi.com', body: { ClusterId: 'cls-harbor01', IsExtranet: true } });
    expect(visibleLog(run.stdout)).toContain(`The API server at ${sim.url} answered`);
    // helm and kubectl were let in by the certificate alone: kube-sim has no token here.
    expect(sim.writes().length).toBeGreaterThan(0);
    expect(sim.journal.filter((entry) => entry.status === 401)).toEqual([]);

    const { certPem, keyPem } = ca.clientCredential(UIN);
    const certificateData = Buffer.from(certPem).toString('base64');
    const keyData = Buffer.from(keyPem).toString('base64');
    expect(maskedValues(run.stdout)).toEqual(expect.arrayContaining([certificateData, keyData]));
    expect(findLeaks(run, [certificateData, keyData, keyPem, secretKey, ...Object.values(seedSecrets)])).toEqual([]);
    expect(run.post?.stdout).toContain(join(run.runnerTemp, 'harbor-tke-action', 'registry', 'kubeconfig'));
    expect(existsSync(join(run.runnerTemp, 'harbor-tke-action', 'registry', 'kubeconfig'))).toBe(false);
  });

  it('goes on when TKE reports a working public endpoint NotFound, as it may for a managed cluster', async () => {
    const run = await tkeRun('cls-managed1', { mode: 'diff' });
    expect(run.exitCode).toBe(0);
    expect(visibleLog(run.stdout)).toContain(`TKE reports the public network access endpoint of cls-managed1 as NotFound, yet its API server at ${sim.url} answered; going on with the kubeconfig.`);
  });

  it('asks a finance region\'s own API domain', async () => {
    const run = await tkeRun('cls-finance1', { mode: 'diff', 'tke-region': 'ap-shanghai-fsi' });
    expect(run.exitCode).toBe(0);
    expect(api.calls.filter((call) => call.body.ClusterId === 'cls-finance1').map((call) => [call.action, call.host, call.error])).toEqual([
      ['DescribeClusterKubeconfig', 'tke.ap-shanghai-fsi.tencentcloudapi.com', undefined],
      ['DescribeClusterEndpointStatus', 'tke.ap-shanghai-fsi.tencentcloudapi.com', undefined],
    ]);
  });

  it('names the input to fix for an unknown cluster, before any request to a cluster', async () => {
    const writes = sim.journal.length;
    const run = await tkeRun('cls-missing01');
    expect(errorLine(run)).toMatch(/::error::.*cls-missing01.*tke-cluster-id/);
    expect(sim.journal.length).toBe(writes);
  });

  it('refuses a cluster name where the ID belongs, with the other input problems', async () => {
    const run = await runAction(inputs({ 'tke-cluster-id': 'harbor-prod', 'tke-endpoint-access': 'public' }), { toolCache, env: { KUBECONFIG: '' } });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::2 input problems; nothing was done:%0A {2}- tke-cluster-id: "harbor-prod" is not a TKE cluster ID.*%0A {2}- tke-endpoint-access: "public" is not one of internet \| intranet/);
  });
});

describe('a public endpoint that admits only some addresses', () => {
  it('fails within the probe time when the API server accepts and says nothing, with the allow-list and what to do', async () => {
    const run = await tkeRun('cls-allowed1');
    const error = errorLine(run);
    expect(error).toContain(`::error::The kubeconfig from TKE does not reach the cluster's API server: the API server at ${silent.url} (public network access endpoint of cls-allowed1) accepted the TCP connection but completed no TLS handshake within 5 s.`);
    expect(error).toContain('A TKE public endpoint admits only the addresses its security policy allows; this one allows 203.0.113.0/24, 198.51.100.7/32 (ClusterExternalACL) and what security group sg-4tkeapi1 admits.');
    expect(error).toContain('Fix: run the job on a self-hosted runner inside the cluster\'s VPC with tke-endpoint-access: intranet, or allow the runner\'s egress address');
    expect(api.calls.filter((call) => call.body.ClusterId === 'cls-allowed1').map((call) => call.action)).toEqual(['DescribeClusterKubeconfig', 'DescribeClusterEndpointStatus', 'DescribeClusterEndpoints']);
  });

  it('says an empty policy denies everything when the connection is refused', async () => {
    const error = errorLine(await tkeRun('cls-denyall1'));
    expect(error).toContain(`refused the connection to port ${new URL(refused).port}.`);
    expect(error).toContain('this one allows no address at all (its ClusterExternalACL is empty and it has no security group: the default denies everything)');
  });
});

describe('every endpoint state that leaves the API server silent', () => {
  it.each(FAILING_STATES.map((state, index) => ({ ...state, clusterId: `cls-state00${index + 1}` })))('$status: $code', async ({ clusterId, code, problem, fix }) => {
    const error = errorLine(await tkeRun(clusterId));
    expect(error).toContain(`::error::The kubeconfig from TKE does not reach the cluster's API server: `);
    expect(error).toContain(problem);
    expect(error).toContain(`and the address the kubeconfig names, ${refused}, refused the connection to port ${new URL(refused).port}.`);
    expect(error).toContain(fix);
    expect(code).toMatch(/^Endpoint/);
  });
});

describe('documented error codes', () => {
  it.each(ERROR_CODES.map((entry, index) => ({ ...entry, clusterId: `cls-errcode${index + 1}` })))('$code', async ({ clusterId, code, problem, fix }) => {
    const error = errorLine(await tkeRun(clusterId));
    expect(error).toContain(problem);
    expect(error).toContain(`TencentCloud said: "simulated ${code}"`);
    expect(error).toMatch(new RegExp(`Fix: .*${fix.replace(/[()]/g, '\\$&')}.*\\(RequestId [0-9a-f-]{36}\\)$`));
  });

  it.each([
    { secret: 'AKIDtkeAllowListed000000000000000', problem: 'is not on an allow list that applies to this API key or account' },
    { secret: 'AKIDtkeBlockListed000000000000000', problem: 'is on a block list that applies to this API key or account' },
  ])('an address restriction of the key: $problem', async ({ secret, problem }) => {
    const error = errorLine(await tkeRun('cls-harbor01', { 'tencentcloud-secret-id': secret }));
    expect(error).toContain(`TencentCloud refused the request because of the address it came from: the runner's egress address ${problem}.`);
    expect(error).toContain('Fix: check the IP restrictions that apply to the CAM user behind tencentcloud-secret-id and tencentcloud-secret-key');
  });
});
