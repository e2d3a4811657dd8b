import { redact } from '../report/redact.js';

/** Why the action could not get a kubeconfig from TKE, with what to change. */
export class TkeKubeconfigError extends Error {
  /** The API's error code (AuthFailure.SignatureFailure, ResourceNotFound.ClusterNotFound…), or one of ours for what the API reports as a state (EndpointNotEnabled…). */
  readonly code: string;
  /** What went wrong, in the user's terms. */
  readonly problem: string;
  /** What to change, naming the input(s) or the console action. */
  readonly fix: string;
  /** TencentCloud's RequestId, which its support asks for. */
  readonly requestId?: string;

  constructor(code: string, problem: string, fix: string, requestId?: string) {
    const cleanProblem = redact(problem);
    const cleanFix = redact(fix);
    super(`Could not get a kubeconfig from TKE: ${cleanProblem} Fix: ${cleanFix}${requestId ? ` (RequestId ${requestId})` : ''}`);
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
 * Error codes from TKE's DescribeClusterKubeconfig and DescribeClusterEndpointStatus and the
 * common ones of TencentCloud API 3.0 (see docs/tke-kubeconfig.md for the sources).
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
      return { problem: `cluster ${clusterId} does not exist in region ${region}, or this account cannot see it.${said}`, fix: `check tke-cluster-id (the ID on the cluster's Basic information page, cls-…) and tke-region (it defaults to cos-region: set it when the cluster is in another region than the bucket).` };
    case 'InvalidParameter':
    case 'InvalidParameter.Param':
    case 'InvalidParameterValue':
    case 'MissingParameter':
      return { problem: `TKE rejected the request parameters for cluster ${clusterId} in ${region}.${said}`, fix: 'check tke-cluster-id (cls- followed by letters and digits) and tke-region (e.g. ap-guangzhou).' };
    case 'UnsupportedRegion':
    case 'InvalidRegion':
      return { problem: `TKE does not serve region ${region}.${said}`, fix: 'set tke-region to the region of the cluster (e.g. ap-guangzhou): it defaults to cos-region.' };
    case 'ResourceNotFound.KubernetesResourceNotFound':
    case 'InternalError.KubeClientConnection':
    case 'InternalError.KubernetesClientBuildError':
    case 'InternalError.KubernetesCreateOperationError':
    case 'InternalError.KubernetesDeleteOperationError':
      return { problem: `TKE could not reach the Kubernetes API server of ${clusterId} to issue the credential.${said}`, fix: 'check in the TKE console that the cluster is Running (not being created, upgraded or isolated) and re-run.' };
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
