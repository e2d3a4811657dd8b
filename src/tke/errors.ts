import { redact } from '../report/redact.js';

/** What the message starts with: the kubeconfig was not issued, or it was and leads nowhere. */
export const NOT_ISSUED = 'Could not get a kubeconfig from TKE';
export const UNREACHABLE = "The kubeconfig from TKE does not reach the cluster's API server";

/** Why the action could not get a usable kubeconfig from TKE, with what to change. */
export class TkeKubeconfigError extends Error {
  /** The API's error code (AuthFailure.SignatureFailure, ResourceNotFound.ClusterNotFound…), or one of ours for what the API reports as a state (EndpointNotEnabled…). */
  readonly code: string;
  /** What went wrong, in the user's terms. */
  readonly problem: string;
  /** What to change, naming the input(s) or the console action. */
  readonly fix: string;
  /** TencentCloud's RequestId, which its support asks for. */
  readonly requestId?: string;

  constructor(code: string, problem: string, fix: string, requestId?: string, lead: string = NOT_ISSUED) {
    const cleanProblem = redact(problem);
    const cleanFix = redact(fix);
    super(`${lead}: ${cleanProblem} Fix: ${cleanFix}${requestId ? ` (RequestId ${requestId})` : ''}`);
    this.name = 'TkeKubeconfigError';
    this.code = code;
    this.problem = cleanProblem;
    this.fix = cleanFix;
    this.requestId = requestId;
  }
}

/** What the failing call was about, for messages that name the cluster, region and endpoint. */
export interface CallContext {
  action: string;
  clusterId: string;
  region: string;
  /** Where requests went, for network errors. */
  apiAddress: string;
}

interface Diagnosis {
  problem: string;
  fix: string;
}

const KEYS = 'tencentcloud-secret-id and tencentcloud-secret-key (they default to cos-secret-id and cos-secret-key)';

/**
 * The error codes TencentCloud lists for DescribeClusterKubeconfig, DescribeClusterEndpointStatus
 * and DescribeClusterEndpoints (tencentcloud-sdk-go, tke/v20180525/client.go) and the common ones
 * of TencentCloud API 3.0; docs/tke-kubeconfig.md lists them with their sources.
 */
function diagnose(code: string, message: string, context: CallContext): Diagnosis {
  const { action, clusterId, region } = context;
  const said = message ? ` TencentCloud said: "${message}"` : '';
  const camAction = `tke:${action}`;
  switch (code) {
    case 'AuthFailure.SignatureFailure':
      return { problem: `the request signature was rejected: the SecretKey does not belong to the SecretId.${said}`, fix: `check ${KEYS}: the SecretKey must be the one shown with that SecretId in the API key console (CAM → API keys), without spaces or line breaks.` };
    case 'AuthFailure.SecretIdNotFound':
    case 'AuthFailure.InvalidSecretId':
      return { problem: `TencentCloud does not know this SecretId (deleted, disabled or mistyped).${said}`, fix: `set ${KEYS} to an enabled API key pair (CAM → API keys).` };
    case 'AuthFailure.SignatureExpire':
      return { problem: `the request timestamp is more than five minutes away from TencentCloud's clock.${said}`, fix: 'synchronise the runner clock (NTP) and re-run.' };
    case 'AuthFailure.TokenFailure':
      return { problem: `the temporary credential token was rejected.${said}`, fix: `use a long-lived API key pair in ${KEYS}.` };
    case 'AuthFailure.MFAFailure':
      return { problem: `the API key requires MFA.${said}`, fix: `use an API key of a CAM user without MFA-protected API access in ${KEYS}.` };
    case 'AuthFailure.InvalidAuthorization':
      return { problem: `the Authorization header was malformed.${said}`, fix: 'if tencentcloud-api-endpoint points at a proxy, make it forward the Authorization and X-TC-* headers unchanged.' };
    case 'AuthFailure.UnauthorizedOperation':
    case 'UnauthorizedOperation':
    case 'UnauthorizedOperation.CamNoAuth':
    case 'InternalError.CamNoAuth':
      return { problem: `the API key's CAM user may not call ${action} on cluster ${clusterId}.${said}`, fix: `grant the CAM user of ${KEYS} the action ${camAction} on resource qcs::tke:${region}:uin/<account>:cluster/${clusterId}.` };
    case 'InvalidParameter.ClusterNotFound':
    case 'ResourceNotFound.ClusterNotFound':
    case 'ResourceNotFound':
    case 'InternalError.ClusterNotFound':
      return { problem: `cluster ${clusterId} does not exist in region ${region}, or this account cannot see it.${said}`, fix: `check tke-cluster-id (the ID on the cluster's Basic information page, cls-…) and tke-region (it defaults to cos-region: set it when the cluster is in another region than the bucket).` };
    case 'InvalidParameter':
    case 'InvalidParameter.Param':
    case 'InvalidParameterValue':
    case 'MissingParameter':
      return { problem: `TKE rejected the request parameters for cluster ${clusterId} in ${region}.${said}`, fix: 'check tke-cluster-id (cls- followed by letters and digits) and tke-region (e.g. ap-guangzhou).' };
    case 'UnsupportedRegion':
      return {
        problem: `TKE does not serve region ${region} at the API domain the request went to.${said}`,
        fix: region.endsWith('-fsi')
          ? `finance regions are served only by tke.${region}.tencentcloudapi.com: leave tencentcloud-api-endpoint empty (the action then uses that domain) or set it to that host; and check tke-region.`
          : 'set tke-region to the region of the cluster (e.g. ap-guangzhou): it defaults to cos-region.',
      };
    case 'UnauthorizedOperation.NoRBACPermissions':
      return {
        problem: `the CAM user behind the API key has no RBAC permissions in cluster ${clusterId}, so TKE issues it no kubeconfig.${said}`,
        fix: `the cluster's creator or the root account grants that sub-account a role in the TKE console: cluster ${clusterId} → Authorization management (RBAC) → the sub-account of tencentcloud-secret-id → a role such as tke:admin, or namespace roles for the Harbor namespace (deploy checks the rights it needs with kubectl auth can-i).`,
      };
    case 'ResourceUnavailable.ClusterInAbnormalStat':
    case 'ResourceUnavailable.ClusterState':
    case 'InternalError.ClusterState':
      return {
        problem: `TKE reports cluster ${clusterId} in an abnormal state (${code}) and issues no credential for it until it is healthy.${said}`,
        fix: `open cluster ${clusterId} in the TKE console and re-run once its status is Running (the cluster page shows what is failing).`,
      };
    case 'ResourceNotFound.KubernetesResourceNotFound':
    case 'ResourceNotFound.KubeResourceNotFound':
    case 'InternalError.KubeClientConnection':
    case 'FailedOperation.KubeClientConnection':
    case 'FailedOperation.KubeCommon':
    case 'InternalError.KubeCommon':
    case 'FailedOperation.KubernetesClientBuildError':
    case 'InternalError.KubernetesClientBuildError':
    case 'InternalError.KubernetesCreateOperationError':
    case 'InternalError.KubernetesDeleteOperationError':
      return {
        problem: `TKE could not work with the Kubernetes API server of ${clusterId} to issue the credential (${code}).${said}`,
        fix: `check in the TKE console that cluster ${clusterId} is Running and its control plane healthy (not being created, upgraded or isolated), then re-run; if it persists, give TencentCloud support the RequestId.`,
      };
    case 'FailedOperation.ComponentClientHttp':
    case 'InternalError.ComponentClientHttp':
    case 'FailedOperation.UnexpectedError':
    case 'InternalError.UnexpectedInternal':
    case 'InternalError.WhitelistUnexpectedError':
      return {
        problem: `TKE reported an internal failure while answering ${action} for ${clusterId} (${code}).${said}`,
        fix: 're-run in a few minutes; if it persists, give TencentCloud support the RequestId.',
      };
    case 'IpNotInWhitelist':
    case 'IpInBlacklist':
      return {
        problem: `TencentCloud refused the request because of the address it came from: the runner's egress address ${code === 'IpInBlacklist' ? 'is on a block list' : 'is not on an allow list'} that applies to this API key or account.${said}`,
        fix: `check the IP restrictions that apply to the CAM user behind ${KEYS}, such as a qcs:ip condition in its CAM policies: allow the runner's egress address (a self-hosted runner with a fixed address), or use tencentcloud-api-endpoint to call the API from an address that is allowed.`,
      };
    case 'RequestLimitExceeded':
    case 'RequestLimitExceeded.UinLimitExceeded':
    case 'RequestLimitExceeded.GlobalRegionUinLimitExceeded':
    case 'RequestLimitExceeded.IPLimitExceeded':
      return { problem: `TencentCloud throttled the request (${action} allows 20 requests per second).${said}`, fix: 're-run in a minute; a concurrency group keeps parallel runs from adding up.' };
    default:
      return { problem: `${action} failed with ${code || 'an unknown error'}.${said}`, fix: code.startsWith('InternalError') ? 're-run; if it persists, give TencentCloud support the RequestId.' : 'see the error code in the TKE API error code list (https://cloud.tencent.com/document/api/457/31867).' };
  }
}

interface SdkError {
  message?: string;
  code?: string;
  requestId?: string;
  httpCode?: number;
}

/** Turns what the SDK threw (an API error, an HTTP status or a network failure) into a TkeKubeconfigError. */
export function tkeError(error: unknown, context: CallContext): TkeKubeconfigError {
  if (error instanceof TkeKubeconfigError) return error;
  const sdkError = (error ?? {}) as SdkError;
  const message = String(sdkError.message ?? error);
  if (sdkError.code) {
    const { problem, fix } = diagnose(sdkError.code, message, context);
    return new TkeKubeconfigError(sdkError.code, problem, fix, sdkError.requestId || undefined);
  }
  if (sdkError.httpCode) {
    return new TkeKubeconfigError(
      `HTTP${sdkError.httpCode}`,
      `${context.apiAddress} answered HTTP ${sdkError.httpCode} (${message}) instead of a TencentCloud API response.`,
      'check tencentcloud-api-endpoint: leave it empty for the public API, or point it at an address that forwards to the TKE API.',
    );
  }
  return new TkeKubeconfigError(
    'NetworkError',
    `could not reach the TencentCloud API at ${context.apiAddress}: ${message}`,
    'check the runner can reach the TencentCloud API over HTTPS (proxy, firewall, DNS), or set tencentcloud-api-endpoint to an address it can reach.',
  );
}
