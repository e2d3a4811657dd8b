// A named import: the package sets __esModule, so a bundler's default import would be undefined.
import type { tke } from 'tencentcloud-sdk-nodejs-tke';
import { decodeKubeconfig } from '../inputs/kubeconfig.js';
import { log } from '../report/log.js';
import { registerSecret } from '../report/redact.js';
import { raceCancellation, RunCancelledError } from '../run/cancel.js';
import { apiRoute } from './api-endpoint.js';
import { ACCESS_WORDS, checkApiServerEndpoint } from './endpoint-check.js';
import { tkeError, TkeKubeconfigError, type CallContext } from './errors.js';
import { registerKubeconfigCredentials } from './kubeconfig-credentials.js';

export { TkeKubeconfigError } from './errors.js';
export { checkTencentCloudApiEndpoint } from './api-endpoint.js';

export interface TkeKubeconfigRequest {
  /** tke-cluster-id, e.g. cls-abcd1234. */
  clusterId: string;
  /** tke-region (defaults to cos-region). */
  region: string;
  /** tencentcloud-secret-id / tencentcloud-secret-key (default: the COS keys). */
  secretId: string;
  secretKey: string;
  /** tke-endpoint-access: which API server address the kubeconfig points at (IsExtranet). */
  endpointAccess: 'internet' | 'intranet';
  /** tencentcloud-api-endpoint: a private or proxied address of the API, or a local test server. */
  apiEndpoint?: string;
}

/**
 * The SDK is loaded only by runs that ask TKE for a kubeconfig: it is a quarter of the bundle,
 * and every other run (a PR preview above all) starts faster without parsing it.
 */
async function tkeClientClass(): Promise<typeof tke.v20180525.Client> {
  const sdk = await import('tencentcloud-sdk-nodejs-tke');
  return sdk.tke.v20180525.Client;
}

/** Long enough for a slow API gateway, short enough that a black-holed address fails the run promptly. */
const REQUEST_TIMEOUT_SECONDS = 30;

const CLUSTER_ID = /^cls-[a-z0-9]{8,}$/;

/** Error message for tke-cluster-id, or undefined when it looks like a TKE cluster ID. */
export function checkTkeClusterId(value: string): string | undefined {
  const id = value.trim();
  if (!id) return 'is empty: set it to the ID on the cluster\'s Basic information page in the TKE console (cls-…)';
  if (CLUSTER_ID.test(id)) return undefined;
  if (/^cls-/i.test(id)) return `"${id}" is not a TKE cluster ID: expected cls- followed by lowercase letters and digits (e.g. cls-65r1c5nu)`;
  return `"${id}" is not a TKE cluster ID (cls-…, e.g. cls-65r1c5nu): the cluster name does not work here, copy the ID from the cluster's Basic information page`;
}

/** Error message for tke-region, or undefined when it has the shape of a TencentCloud region. */
export function checkTkeRegion(value: string): string | undefined {
  return /^[a-z]{2,}(-[a-z0-9]+)+$/.test(value.trim()) ? undefined : `"${value}" is not a TencentCloud region (e.g. ap-guangzhou, ap-shanghai, na-siliconvalley)`;
}

/**
 * Gets the kubeconfig of the CAM user behind the API key (DescribeClusterKubeconfig): a client
 * certificate with that user's RBAC rights, not an admin token. Its credentials and the
 * SecretKey are registered as secrets; the kubeconfig itself is never logged.
 */
export async function fetchTkeKubeconfig(request: TkeKubeconfigRequest): Promise<string> {
  registerSecret(request.secretKey);
  const route = apiRoute(request.apiEndpoint, request.region);
  const context: CallContext = {
    action: 'DescribeClusterKubeconfig',
    clusterId: request.clusterId,
    region: request.region,
    apiAddress: request.apiEndpoint?.trim() || `https://${route.endpoint}`,
  };
  const TkeClient = await tkeClientClass();
  const client = new TkeClient({
    credential: { secretId: request.secretId, secretKey: request.secretKey },
    region: request.region,
    profile: { httpProfile: { endpoint: route.endpoint, protocol: route.protocol, agent: route.agent, reqTimeout: REQUEST_TIMEOUT_SECONDS } },
  });

  let kubeconfig: string | undefined;
  try {
    // The SDK's own HTTP client (node-fetch 2 on node:http/https, in tencentcloud-sdk-nodejs-common's
    // common/http/fetch.js) takes no AbortSignal: a cancel stops the wait, and the exit the request.
    const response = await raceCancellation(client.DescribeClusterKubeconfig({ ClusterId: request.clusterId, IsExtranet: request.endpointAccess === 'internet' }));
    kubeconfig = response.Kubeconfig;
  } catch (error) {
    if (error instanceof RunCancelledError) throw error;
    throw tkeError(error, context);
  }
  if (!kubeconfig?.trim()) {
    throw new TkeKubeconfigError('EmptyKubeconfig', `DescribeClusterKubeconfig returned no kubeconfig for ${request.clusterId}.`, 'check in the TKE console that the cluster is Running, then re-run.');
  }
  registerKubeconfigCredentials(kubeconfig);
  const document = decodeKubeconfig(kubeconfig);
  if (!document) {
    throw new TkeKubeconfigError('InvalidKubeconfig', `the kubeconfig TKE returned for ${request.clusterId} is not a kubeconfig (no clusters or contexts).`, 'download it from the console (Basic information → API server information) to compare, and pass it in the kubeconfig input instead.');
  }
  log.info(`Got a kubeconfig for TKE cluster ${request.clusterId} (${request.region}, ${ACCESS_WORDS[request.endpointAccess].name} endpoint) with the API key's own credentials; trying its API server.`);
  await checkApiServerEndpoint(client, request, document, context);
  return kubeconfig;
}
