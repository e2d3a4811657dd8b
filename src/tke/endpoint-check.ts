import { BlockList, isIP } from 'node:net';
import type { tke } from 'tencentcloud-sdk-nodejs-tke';
import type { KubeconfigDocument } from '../inputs/kubeconfig.js';
import { formatSeconds, log } from '../report/log.js';
import { tkeError, TkeKubeconfigError, UNREACHABLE, type CallContext } from './errors.js';
import { raceCancellation, RunCancelledError } from '../run/cancel.js';
import { probeApiServer } from './reachability.js';

type TkeClientInstance = InstanceType<typeof tke.v20180525.Client>;
export type EndpointClient = Pick<TkeClientInstance, 'DescribeClusterEndpointStatus' | 'DescribeClusterEndpoints'>;

export type EndpointAccess = 'internet' | 'intranet';

export const ACCESS_WORDS = {
  internet: { name: 'public network', console: 'Public network access', alternative: "run on a runner inside the cluster's VPC with tke-endpoint-access: intranet" },
  intranet: { name: 'private network', console: 'Private network access', alternative: 'use tke-endpoint-access: internet from a runner outside the VPC' },
};

export interface EndpointCheckRequest {
  clusterId: string;
  endpointAccess: EndpointAccess;
}

interface EndpointState {
  /** DescribeClusterEndpointStatus: Created, Creating, CreateFailed, Deleting, Deleted, DeletedFailed, NotFound; undefined when it could not be read. */
  status?: string;
  /** Its ErrorMsg (why enabling or disabling failed). */
  detail?: string;
}

/**
 * The endpoint's state. When the key may not read it, the check goes on without it: it only
 * sharpens the message, and must not block a key that was given exactly one permission.
 */
async function endpointState(client: EndpointClient, request: EndpointCheckRequest, context: CallContext): Promise<EndpointState> {
  const words = ACCESS_WORDS[request.endpointAccess];
  try {
    const response = await raceCancellation(client.DescribeClusterEndpointStatus({ ClusterId: request.clusterId, IsExtranet: request.endpointAccess === 'internet' }));
    return { status: response.Status || undefined, detail: response.ErrorMsg || undefined };
  } catch (error) {
    if (error instanceof RunCancelledError) throw error;
    const reason = tkeError(error, { ...context, action: 'DescribeClusterEndpointStatus' });
    log.warning(
      `Could not read the state of the ${words.name} API server endpoint of ${request.clusterId} (${reason.code}): ${reason.problem} ` +
        'Going on; grant tke:DescribeClusterEndpointStatus to get the endpoint state in the error when it does not answer.',
      'TKE endpoint state unknown',
    );
    return {};
  }
}

/** The server of the kubeconfig's current context (or its only cluster), when it is a URL. */
export function apiServerUrl(document: KubeconfigDocument): URL | undefined {
  const contextName = document['current-context'];
  const clusterName = document.contexts?.find((entry) => entry.name === contextName)?.context?.cluster;
  const cluster = document.clusters?.find((entry) => entry.name === clusterName) ?? (document.clusters?.length === 1 ? document.clusters[0] : undefined);
  try {
    return cluster?.cluster?.server ? new URL(cluster.cluster.server) : undefined;
  } catch {
    return undefined;
  }
}

/** How kubectl picks a proxy (Go's httpproxy: HTTPS_PROXY / HTTP_PROXY, NO_PROXY): the variable it would use, if any. */
export function proxyVariableFor(server: URL, env: NodeJS.ProcessEnv): string | undefined {
  const names = server.protocol === 'https:' ? ['HTTPS_PROXY', 'https_proxy'] : ['HTTP_PROXY', 'http_proxy'];
  const variable = names.find((name) => env[name]);
  if (!variable) return undefined;
  const host = server.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const exclusions = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((entry) => entry.trim().toLowerCase()).filter(Boolean);
  for (const entry of exclusions) {
    if (entry === '*') return undefined;
    const [address, prefix] = entry.split('/');
    const family = isIP(host) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(host) && address && isIP(address) && prefix) {
      const list = new BlockList();
      list.addSubnet(address, Number(prefix), isIP(address) === 6 ? 'ipv6' : 'ipv4');
      if (list.check(host, family)) return undefined;
      continue;
    }
    const domain = entry.replace(/:\d+$/, '').replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return undefined;
  }
  return variable;
}

/** The public endpoint's security policy in words, from DescribeClusterEndpoints. */
async function externalPolicy(client: EndpointClient, clusterId: string, context: CallContext): Promise<string> {
  try {
    const endpoints = await raceCancellation(client.DescribeClusterEndpoints({ ClusterId: clusterId }));
    const cidrs = endpoints.ClusterExternalACL ?? [];
    const group = endpoints.SecurityGroup;
    if (cidrs.length && group) return `this one allows ${cidrs.join(', ')} (ClusterExternalACL) and what security group ${group} admits`;
    if (cidrs.length) return `this one allows ${cidrs.join(', ')} (ClusterExternalACL)`;
    if (group) return `this one allows what security group ${group} admits`;
    return 'this one allows no address at all (its ClusterExternalACL is empty and it has no security group: the default denies everything)';
  } catch (error) {
    if (error instanceof RunCancelledError) throw error;
    const reason = tkeError(error, { ...context, action: 'DescribeClusterEndpoints' });
    return `its policy could not be read (${reason.code}; grant tke:DescribeClusterEndpoints to see it here)`;
  }
}

/** The private endpoint's subnet and security group, from DescribeClusterEndpoints, when readable. */
async function intranetPlacement(client: EndpointClient, clusterId: string): Promise<{ subnet?: string; group?: string }> {
  try {
    const endpoints = await raceCancellation(client.DescribeClusterEndpoints({ ClusterId: clusterId }));
    return { subnet: endpoints.ClusterIntranetSubnetId || undefined, group: endpoints.IntranetSecurityGroup || undefined };
  } catch (error) {
    if (error instanceof RunCancelledError) throw error;
    return {};
  }
}

function unreachable(code: string, problem: string, fix: string): TkeKubeconfigError {
  return new TkeKubeconfigError(code, problem, fix, undefined, UNREACHABLE);
}

async function unreachableError(client: EndpointClient, request: EndpointCheckRequest, context: CallContext, state: EndpointState, server: string, reason: string): Promise<TkeKubeconfigError> {
  const { clusterId } = request;
  const words = ACCESS_WORDS[request.endpointAccess];
  const endpoint = `the ${words.name} access endpoint of ${clusterId}'s API server`;
  const reported = `TKE reports ${state.status}${state.detail ? `: ${state.detail}` : ''}`;
  const answer = `and the address the kubeconfig names, ${server}, ${reason}.`;
  const consolePage = `in the TKE console open cluster ${clusterId} → Basic information → API server information`;
  const enable = `${consolePage} and enable ${words.console}`;
  switch (state.status) {
    case 'NotFound':
      return unreachable('EndpointNotEnabled', `${endpoint} is not enabled (${reported}), ${answer}`, `${enable}, or ${words.alternative}.`);
    case 'Deleted':
      return unreachable('EndpointDeleted', `${endpoint} has been disabled (${reported}), ${answer}`, `${enable} again, or ${words.alternative}.`);
    case 'Creating':
      return unreachable('EndpointCreating', `${endpoint} is still being enabled (${reported}), ${answer}`, `re-run in a few minutes, when the console (cluster ${clusterId} → Basic information → API server information) shows ${words.console} enabled.`);
    case 'Deleting':
      return unreachable('EndpointDeleting', `${endpoint} is being disabled (${reported}), ${answer}`, `if that is on purpose, ${words.alternative}; otherwise wait until the console shows it disabled, then ${enable} again, and re-run.`);
    case 'CreateFailed':
      return unreachable('EndpointCreateFailed', `enabling ${endpoint} failed (${reported}), ${answer}`, `${enable} again (check the security group and subnet it asks for), or ${words.alternative}.`);
    case 'DeletedFailed':
      return unreachable('EndpointDeleteFailed', `disabling ${endpoint} failed (${reported}), ${answer}`, `${consolePage}: disable or enable ${words.console} again until it ends in a clear state, then re-run; or ${words.alternative}.`);
  }
  const stateNote = state.status ? (state.status === 'Created' ? '' : `; ${reported}`) : '; its state could not be read';
  const problemStart = `the API server at ${server} (${words.name} access endpoint of ${clusterId}${stateNote}) ${reason}.`;
  const checkEnabled = state.status ? '' : ` Check also that ${words.console} is enabled there.`;
  if (request.endpointAccess === 'internet') {
    const policy = await externalPolicy(client, clusterId, context);
    return unreachable(
      'EndpointUnreachable',
      `${problemStart} A TKE public endpoint admits only the addresses its security policy allows; ${policy}. A GitHub-hosted runner has no fixed address, so it is most likely not among them.`,
      `run the job on a self-hosted runner inside the cluster's VPC with tke-endpoint-access: intranet, or allow the runner's egress address (a self-hosted runner, or one with a static address) in that policy: TKE console → cluster ${clusterId} → Basic information → API server information → ${words.console}.${checkEnabled}`,
    );
  }
  const { subnet, group } = await intranetPlacement(client, clusterId);
  return unreachable(
    'EndpointUnreachable',
    `${problemStart} A private endpoint answers only inside the cluster's VPC${subnet ? ` (subnet ${subnet})` : ''} and networks connected to it, and only to addresses its security group${group ? ` ${group}` : ''} admits; a GitHub-hosted runner is outside the VPC.`,
    `run the job on a self-hosted runner in the cluster's VPC (or a network connected to it) that the security group admits, or use tke-endpoint-access: internet with a public endpoint that allows the runner's address.${checkEnabled}`,
  );
}

/**
 * Whether the API server the kubeconfig names answers, decided by trying it (probeApiServer), with
 * the endpoint state and security policy to explain a failure. TKE issues a kubeconfig whether or
 * not its endpoint works, and kubectl would only time out much later; the state alone does not
 * decide either: DescribeClusterEndpointStatus is documented for the private endpoint of managed
 * clusters, so NotFound for a managed cluster's working public endpoint must not stop the run.
 */
export async function checkApiServerEndpoint(client: EndpointClient, request: EndpointCheckRequest, kubeconfig: KubeconfigDocument, context: CallContext, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const words = ACCESS_WORDS[request.endpointAccess];
  const state = await endpointState(client, request, context);
  const server = apiServerUrl(kubeconfig);
  const unusual = state.status && state.status !== 'Created' ? `TKE reports the ${words.name} access endpoint of ${request.clusterId} as ${state.status}${state.detail ? ` (${state.detail})` : ''}` : undefined;
  const proxy = server && proxyVariableFor(server, env);
  if (!server || proxy) {
    const why = server ? `kubectl connects to it through the proxy in ${proxy}` : 'the kubeconfig names no server URL';
    if (unusual) log.warning(`${unusual}; kubectl may not reach it. (Not tried: ${why}.)`, 'TKE endpoint');
    else log.info(`Did not try the API server before kubectl: ${why}.`);
    return;
  }
  const origin = server.origin;
  const probe = await raceCancellation(probeApiServer(server));
  if (probe.reachable) {
    if (unusual) log.warning(`${unusual}, yet its API server at ${origin} answered; going on with the kubeconfig.`, 'TKE endpoint');
    else log.info(`The API server at ${origin} answered (TCP and TLS in ${formatSeconds(probe.elapsedMs)}).`);
    return;
  }
  throw await unreachableError(client, request, context, state, origin, probe.reason);
}
