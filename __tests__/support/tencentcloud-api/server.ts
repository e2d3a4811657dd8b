import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { BlockList, isIP, type AddressInfo } from 'node:net';
import yaml from 'js-yaml';
import { createClusterCa, type ClusterCa } from './cluster-ca.js';
import { verifyTc3Request } from './signature.js';

/**
 * A stand-in for the TKE API (version 2018-05-25) on 127.0.0.1: it verifies the TC3-HMAC-SHA256
 * signature of every request against the headers it received, routes by the Host the request
 * names (finance regions only on their own domain), and answers DescribeClusterKubeconfig,
 * DescribeClusterEndpointStatus and DescribeClusterEndpoints in the documented shapes,
 * {"Response": {..., "RequestId"}} or {"Response": {"Error": {"Code", "Message"}, "RequestId"}}.
 * README.md in this folder gives the source of each shape and what is not modelled.
 */

/** DescribeClusterEndpointStatus's states (SDK model DescribeClusterEndpointVipStatusResponse; the Terraform provider's TkeInternetStatus*). */
export type EndpointStatus = 'Created' | 'Creating' | 'CreateFailed' | 'Deleting' | 'Deleted' | 'DeletedFailed' | 'NotFound';

export type TkeAction = 'DescribeClusterKubeconfig' | 'DescribeClusterEndpointStatus' | 'DescribeClusterEndpoints';
const ACTIONS: TkeAction[] = ['DescribeClusterKubeconfig', 'DescribeClusterEndpointStatus', 'DescribeClusterEndpoints'];

export interface SimulatedEndpoint {
  status: EndpointStatus;
  /** DescribeClusterEndpointStatus ErrorMsg: why enabling or disabling failed. */
  errorMsg?: string;
  /** The server of the kubeconfig for this access. Without the endpoint, TKE puts an unreachable default domain there. */
  server: string;
}

export interface ApiErrorAnswer {
  code: string;
  message: string;
}

export interface SimulatedCluster {
  region: string;
  endpoints: { internet: SimulatedEndpoint; intranet: SimulatedEndpoint };
  /** PEM of what the kubeconfig trusts for the API server (certificate-authority-data). Default: the cluster CA. */
  serverCaPem?: string;
  /** Issues each sub-account's client certificate. Default: one made for the cluster when first needed. */
  clusterCa?: ClusterCa;
  /** What DescribeClusterEndpoints reports about the endpoints' security policy and placement. */
  policy?: { externalAcl?: string[]; securityGroup?: string; intranetSecurityGroup?: string; intranetSubnetId?: string };
  /** An error TKE answers for this cluster instead, per action (a cluster in trouble, a sub-account without RBAC…). */
  errors?: Partial<Record<TkeAction, ApiErrorAnswer>>;
}

export interface SimulatedKey {
  secretKey: string;
  /** The CAM sub-account's UIN: the user name of the kubeconfig and its certificate. Default 100000000001. */
  uin?: string;
  /** TKE actions its CAM user may call; all when omitted. */
  allowedActions?: TkeAction[];
  /** Source addresses (IP or CIDR) the key may be used from: IpNotInWhitelist for others. */
  ipAllowList?: string[];
  /** Source addresses refused: IpInBlacklist. */
  ipBlockList?: string[];
}

export interface TencentCloudApiOptions {
  /** SecretId → the key. */
  keys: Record<string, SimulatedKey>;
  clusters: Record<string, SimulatedCluster>;
}

export interface ReceivedCall {
  action: string;
  region: string | undefined;
  host: string | undefined;
  body: Record<string, unknown>;
  /** The answer's error code, or undefined when the call was answered. */
  error?: string;
}

export interface TencentCloudApi {
  /** http://127.0.0.1:<port>, for tencentcloud-api-endpoint. */
  url: string;
  calls: ReceivedCall[];
  close(): Promise<void>;
}

const SERVICE = 'tke';
const API_VERSION = '2018-05-25';
const DEFAULT_UIN = '100000000001';

type Answer = { status?: number; response: Record<string, unknown> };

function errorAnswer(code: string, message: string): Answer {
  return { response: { Error: { Code: code, Message: message } } };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Finance regions are isolated from the others and served only by the domain naming the region
 * (TKE API "Request Structure"); the nearest-access domains (tke., tke.intl., tke.internal.) and
 * other regions' domains serve every other region.
 */
function domainServes(host: string, region: string): boolean {
  if (host === `tke.${region}.tencentcloudapi.com`) return true;
  const hostIsFinance = /^tke\.[a-z0-9-]+-fsi\.tencentcloudapi\.com$/.test(host);
  return !region.endsWith('-fsi') && !hostIsFinance;
}

const TKE_DOMAIN = /^tke(\.[a-z0-9-]+)?\.tencentcloudapi\.com$/;

function addressList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address!) === 6 ? 'ipv6' : 'ipv4';
    if (prefix) list.addSubnet(address!, Number(prefix), family);
    else list.addAddress(address!, family);
  }
  return list;
}

function sourceAddress(remote: string | undefined): string {
  return (remote ?? '').replace(/^::ffff:/, '');
}

/** TKE's kubeconfig: one cluster named by its ID, the sub-account as user with its client certificate. */
function kubeconfigFor(clusterId: string, cluster: SimulatedCluster, server: string, uin: string): string {
  const ca = cluster.clusterCa!;
  const credential = ca.clientCredential(uin);
  const context = `${clusterId}-${uin}-context-default`;
  const base64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');
  return yaml.dump({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': base64(cluster.serverCaPem ?? ca.certPem), server }, name: clusterId }],
    contexts: [{ context: { cluster: clusterId, user: uin }, name: context }],
    'current-context': context,
    kind: 'Config',
    preferences: {},
    users: [{ name: uin, user: { 'client-certificate-data': base64(credential.certPem), 'client-key-data': base64(credential.keyPem) } }],
  });
}

function endpointsAnswer(cluster: SimulatedCluster): Record<string, unknown> {
  const hostOf = (endpoint: SimulatedEndpoint) => (endpoint.status === 'Created' ? new URL(endpoint.server).host : '');
  const { internet, intranet } = cluster.endpoints;
  return {
    CertificationAuthority: cluster.serverCaPem ?? cluster.clusterCa!.certPem,
    ClusterExternalEndpoint: hostOf(internet),
    ClusterIntranetEndpoint: hostOf(intranet),
    ClusterDomain: '',
    ClusterExternalACL: cluster.policy?.externalAcl ?? [],
    ClusterExternalDomain: internet.status === 'Created' ? new URL(internet.server).hostname : '',
    ClusterIntranetDomain: intranet.status === 'Created' ? new URL(intranet.server).hostname : '',
    SecurityGroup: cluster.policy?.securityGroup ?? '',
    ClusterIntranetSubnetId: cluster.policy?.intranetSubnetId ?? '',
    IntranetSecurityGroup: cluster.policy?.intranetSecurityGroup ?? '',
  };
}

/** The CAM denial each action's error list names (tencentcloud-sdk-go tke/v20180525/client.go). */
const CAM_DENIAL: Record<TkeAction, string> = {
  DescribeClusterKubeconfig: 'UnauthorizedOperation.CamNoAuth',
  DescribeClusterEndpoints: 'UnauthorizedOperation.CamNoAuth',
  DescribeClusterEndpointStatus: 'UnauthorizedOperation',
};

function answerAction(options: TencentCloudApiOptions, key: SimulatedKey, source: string, host: string, action: string, region: string | undefined, body: Record<string, unknown>): Answer {
  if (key.ipBlockList && addressList(key.ipBlockList).check(source, isIP(source) === 6 ? 'ipv6' : 'ipv4')) return errorAnswer('IpInBlacklist', `The request IP ${source} is in the blacklist.`);
  if (key.ipAllowList && !addressList(key.ipAllowList).check(source, isIP(source) === 6 ? 'ipv6' : 'ipv4')) return errorAnswer('IpNotInWhitelist', `The request IP ${source} is not in the whitelist.`);
  if (!ACTIONS.includes(action as TkeAction)) return errorAnswer('InvalidAction', `The action ${action} is not supported by this simulator.`);
  const tkeAction = action as TkeAction;
  if (key.allowedActions && !key.allowedActions.includes(tkeAction)) {
    return errorAnswer(CAM_DENIAL[tkeAction], `you are not authorized to perform operation (tke:${action})`);
  }
  if (!region) return errorAnswer('MissingParameter', 'The request is missing a required parameter `Region`.');
  if (!domainServes(host, region)) return errorAnswer('UnsupportedRegion', `The region ${region} is not supported by ${host}.`);
  const clusterId = body.ClusterId;
  if (typeof clusterId !== 'string' || !clusterId) return errorAnswer('MissingParameter', 'The request is missing a required parameter `ClusterId`.');
  const cluster = options.clusters[clusterId];
  // A cluster of another region is as unknown as one that does not exist.
  if (!cluster || cluster.region !== region) return errorAnswer('ResourceNotFound.ClusterNotFound', `cluster ${clusterId} not found`);
  const failure = cluster.errors?.[tkeAction];
  if (failure) return errorAnswer(failure.code, failure.message);
  cluster.clusterCa ??= createClusterCa(clusterId);
  const access = body.IsExtranet === true ? 'internet' : 'intranet';
  switch (tkeAction) {
    case 'DescribeClusterKubeconfig':
      return { response: { Kubeconfig: kubeconfigFor(clusterId, cluster, cluster.endpoints[access].server, key.uin ?? DEFAULT_UIN) } };
    case 'DescribeClusterEndpointStatus': {
      const endpoint = cluster.endpoints[access];
      return { response: { Status: endpoint.status, ErrorMsg: endpoint.errorMsg ?? '' } };
    }
    case 'DescribeClusterEndpoints':
      return { response: endpointsAnswer(cluster) };
  }
}

export async function startTencentCloudApi(options: TencentCloudApiOptions): Promise<TencentCloudApi> {
  const secretKeys = new Map(Object.entries(options.keys).map(([id, key]) => [id, key.secretKey]));
  const calls: ReceivedCall[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const action = header(request.headers, 'x-tc-action') ?? '';
      const region = header(request.headers, 'x-tc-region');
      // Routing goes by the name; the signature covers the Host header as received, port included.
      const host = (request.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
      let body: Record<string, unknown> = {};
      try {
        body = rawBody.length ? (JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        // answered below as a signature or parameter error, like the real API
      }
      let answer: Answer;
      // A name that is no TKE domain reaches no TKE service (a gateway routes by Host).
      if (!TKE_DOMAIN.test(host)) {
        answer = { status: 404, response: {} };
      } else {
        const verdict = verifyTc3Request({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body: rawBody }, secretKeys, SERVICE);
        if (!verdict.ok) answer = errorAnswer(verdict.code, verdict.message);
        else if (header(request.headers, 'x-tc-version') !== API_VERSION) answer = errorAnswer('NoSuchVersion', 'The requested version does not exist.');
        else answer = answerAction(options, options.keys[verdict.secretId]!, sourceAddress(request.socket.remoteAddress), host, action, region, body);
      }
      const error = (answer.response.Error as { Code?: string } | undefined)?.Code;
      calls.push({ action, region, host: request.headers.host, body, error });
      if (answer.status === 404) {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('404 page not found\n');
        return;
      }
      const payload = JSON.stringify({ Response: { ...answer.response, RequestId: randomUUID() } });
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json', 'x-tc-traceid': randomUUID() });
      response.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
