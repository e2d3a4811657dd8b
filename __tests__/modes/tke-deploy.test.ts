import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBinaryMirror, startChartRepository } from '../support/chart-repo.js';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';
import { runAction } from '../support/run-action.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedInputs, seedSecrets } from '../support/seed.js';
import { startTencentCloudApi, type TencentCloudApi } from '../support/tencentcloud-api/server.js';
import type { ToolMirror } from '../support/tool-mirror/server.js';

/**
 * From Tencent credentials to a running Harbor: no kubeconfig input, no KUBECONFIG; the action asks
 * TKE's API (a local server that verifies TC3-HMAC-SHA256 signatures) and deploys with the answer, a
 * kubeconfig for the simulated API server over HTTPS with a bearer token.
 */
const token = 'tke-issued-token-6c1f0a9e2b7d4c3a';
const secretId = 'AKIDtkeTestSecretId00000000000000';
const secretKey = 'tkeTestSecretKey0000000000000000';
let sim: KubeSim;
let api: TencentCloudApi;
let binaries: ToolMirror;
let charts: ToolMirror;

beforeAll(async () => {
  binaries = await startBinaryMirror();
  charts = await startChartRepository();
  sim = await startKubeSim({ tls: true, token, podReadyDelayMs: 150 });
  const kubeconfig = readFileSync(sim.writeKubeconfig(mkdtempSync(join(tmpdir(), 'tke-kubeconfig-'))), 'utf8');
  api = await startTencentCloudApi({
    keys: { [secretId]: secretKey },
    clusters: { 'cls-harbor01': { region: 'ap-chengdu', kubeconfig: { internet: kubeconfig, intranet: kubeconfig }, endpoints: { internet: 'Created', intranet: 'Created' } } },
  });
});
afterAll(async () => {
  await sim?.close();
  await api?.close();
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

describe('kubeconfig straight from TKE', () => {
  it('gets the kubeconfig with the signed API call, deploys with it, masks its token and removes it afterwards', async () => {
    const run = await runAction(inputs(), { post: true, env: { KUBECONFIG: '' } });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ revision: '1', status: 'deployed' });
    expect(api.calls.find((call) => call.action === 'DescribeClusterKubeconfig')).toMatchObject({ region: 'ap-chengdu', body: { ClusterId: 'cls-harbor01', IsExtranet: true } });
    expect(findLeaks(run, [token, secretKey, ...Object.values(seedSecrets)])).toEqual([]);
    expect(existsSync(join(run.runnerTemp, 'harbor-tke-action', 'registry', 'kubeconfig'))).toBe(false);
  });

  it('names the input to fix for an unknown cluster, before any request to a cluster', async () => {
    const writes = sim.journal.length;
    const run = await runAction(inputs({ 'tke-cluster-id': 'cls-missing01' }), { env: { KUBECONFIG: '' } });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::.*cls-missing01.*tke-cluster-id/);
    expect(sim.journal.length).toBe(writes);
  });

  it('refuses a cluster name where the ID belongs, with the other input problems', async () => {
    const run = await runAction(inputs({ 'tke-cluster-id': 'harbor-prod', 'tke-endpoint-access': 'public' }), { env: { KUBECONFIG: '' } });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::2 input problems; nothing was done:%0A {2}- tke-cluster-id: "harbor-prod" is not a TKE cluster ID.*%0A {2}- tke-endpoint-access: "public" is not one of internet \| intranet/);
  });
});
