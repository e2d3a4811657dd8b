import { bucketHasAppId, classifyEndpointHost, closestKnownRegion, isCosKind, isKnownRegion } from '../inputs/cos.js';

/**
 * What a COS answer means for the person who filled in the action's inputs: the cause in their
 * terms and the input(s) to change. Codes are COS's (most shared with S3); see
 * docs/cos-preflight.md for the table.
 */

export type PreflightStep =
  | 'head bucket'
  | 'put probe'
  | 'list probe'
  | 'initiate multipart upload'
  | 'list multipart uploads'
  | 'abort multipart upload'
  | 'delete probe';

/** The CAM action each step needs: an AccessDenied names it. */
export const CAM_ACTION_BY_STEP: Record<PreflightStep, string> = {
  'head bucket': 'cos:HeadBucket',
  'put probe': 'cos:PutObject',
  'list probe': 'cos:GetBucket',
  'initiate multipart upload': 'cos:InitiateMultipartUpload',
  'list multipart uploads': 'cos:ListMultipartUploads',
  'abort multipart upload': 'cos:AbortMultipartUpload',
  'delete probe': 'cos:DeleteObject',
};

export interface DiagnosisContext {
  endpoint: URL;
  region: string;
  bucket: string;
}

export interface Diagnosis {
  cause: string;
  fix: string;
}

export interface CosRefusal {
  status: number;
  code?: string;
  message?: string;
  /** The region the service expected (AuthorizationHeaderMalformed). */
  expectedRegion?: string;
}

const PATH_STYLE_RULE =
  'COS buckets created after 2024-01-01 refuse path-style requests (https://cos.<region>.myqcloud.com/<bucket>/…), and Harbor\'s registry (distribution 2.8) always sends path-style requests when regionendpoint is set';

export function diagnoseRefusal(step: PreflightStep, refusal: CosRefusal, context: DiagnosisContext): Diagnosis {
  const { bucket, region } = context;
  const host = context.endpoint.host;
  const endpoint = classifyEndpointHost(context.endpoint.hostname);
  const said = describeRefusal(refusal);
  switch (refusal.code) {
    case 'PathStyleDomainForbidden':
      return {
        cause: `${said}: ${PATH_STYLE_RULE}.`,
        fix: `Set cos-endpoint to the bucket's own domain, https://${bucket}.cos.${endpoint.region ?? region}.myqcloud.com (the registry then still puts /${bucket}/ in front of every key, which this preflight checks the same way), or keep images on CFS with storage: filesystem.`,
      };
    case 'AccessDenied':
      return {
        cause: `${said}: the SecretId is not allowed ${CAM_ACTION_BY_STEP[step]} on bucket ${bucket}.`,
        fix: `Grant the CAM user or role of cos-secret-id the COS actions the registry needs on ${bucket} (${CAM_ACTION_BY_STEP[step]} failed here; the full list is in docs/cos-preflight.md), or use cos-secret-id/cos-secret-key of an account that has them.`,
      };
    case 'InvalidAccessKeyId':
      return {
        cause: `${said}: COS does not know this SecretId (mistyped, deleted or disabled).`,
        fix: 'Check cos-secret-id: an active SecretId from the CAM console (API keys), copied without spaces.',
      };
    case 'SignatureDoesNotMatch':
      return diagnoseSignature(said, context, endpoint.region);
    case 'AuthorizationHeaderMalformed':
      return {
        cause: `${said}: requests are signed for region ${region}${refusal.expectedRegion ? `, but the endpoint expects ${refusal.expectedRegion}` : ', which the endpoint does not accept'}.`,
        fix: `Set cos-region to the bucket's region${refusal.expectedRegion ? ` (${refusal.expectedRegion})` : hintForRegion(region)}, or cos-endpoint to that region's endpoint.`,
      };
    case 'NoSuchBucket':
      return {
        cause: `${said}: there is no bucket ${bucket} at ${host}.`,
        fix: `Check cos-bucket (the full name with its APPID suffix, e.g. harbor-1250000000${isCosKind(endpoint.kind) && !bucketHasAppId(bucket) ? `; "${bucket}" has none` : ''}) and cos-region${hintForRegion(region)} / cos-endpoint: the bucket must be in that region.${bucketDomainMismatch(endpoint.bucket, bucket)}`,
      };
    case 'NoSuchKey':
      if (step === 'list probe' || step === 'list multipart uploads' || step === 'initiate multipart upload') {
        return {
          cause: `${said}: ${host} read the registry's bucket path /${bucket} as the name of an object. It serves the bucket at / (a bucket domain), but the registry always puts /${bucket} in front, so it could not find its own files.`,
          fix: `The bucket-domain workaround does not work for this bucket: set cos-endpoint to the regional endpoint https://cos.${endpoint.region ?? region}.myqcloud.com (buckets created before 2024-01-01), or keep images on CFS with storage: filesystem.${bucketDomainMismatch(endpoint.bucket, bucket)}`,
        };
      }
      break;
    case 'InvalidBucketName':
      return { cause: `${said}: "${bucket}" is not a valid bucket name.`, fix: 'Check cos-bucket: lowercase letters, digits and hyphens, ending with the APPID, e.g. harbor-1250000000.' };
    case 'RequestTimeTooSkewed':
      return { cause: `${said}: the runner's clock is too far from COS's.`, fix: 'Synchronise the runner\'s clock (NTP); no input is wrong.' };
    case 'PermanentRedirect':
    case 'AuthorizationQueryParametersError':
      return { cause: `${said}: the bucket is served from another endpoint or region.`, fix: `Check cos-region${hintForRegion(region)} and cos-endpoint: they must be the bucket's region.` };
    default:
      break;
  }
  if (refusal.status === 403) {
    return {
      cause: `${said}: COS refused ${CAM_ACTION_BY_STEP[step]} for these keys.`,
      fix: 'Check cos-secret-id and cos-secret-key (a pair from the same API key) and that their CAM policy allows the registry\'s COS actions on the bucket.',
    };
  }
  if (refusal.status === 404) {
    return { cause: `${said}: ${host} has no bucket ${bucket}.`, fix: `Check cos-bucket (with its APPID suffix) and cos-region${hintForRegion(region)} / cos-endpoint.` };
  }
  if (refusal.status === 301 || refusal.status === 307) {
    return { cause: `${said}: ${host} redirects the bucket elsewhere.`, fix: `Check cos-region${hintForRegion(region)} and cos-endpoint: they must be the bucket's region.` };
  }
  if (refusal.status >= 500) {
    return { cause: `${said}: the storage service failed.`, fix: 'Retry later; if it persists, check cos-endpoint and the service\'s status page.' };
  }
  return { cause: `${said}.`, fix: 'Check cos-endpoint: it must be an S3-compatible endpoint (COS: https://cos.<region>.myqcloud.com).' };
}

function diagnoseSignature(said: string, context: DiagnosisContext, endpointRegion: string | undefined): Diagnosis {
  const { region } = context;
  if (endpointRegion !== undefined && endpointRegion !== region) {
    return {
      cause: `${said}: requests are signed for region ${region}, but the endpoint ${context.endpoint.host} is in ${endpointRegion}.`,
      fix: `Make cos-region and cos-endpoint name the same region (the bucket's): cos-region ${endpointRegion}, or the endpoint of ${region}.`,
    };
  }
  if (endpointRegion === region) {
    return {
      cause: `${said}: the endpoint and cos-region agree (${region}), so cos-secret-key is not the SecretKey of cos-secret-id.`,
      fix: 'Check cos-secret-key: the SecretKey shown with cos-secret-id in the CAM console, copied without spaces.',
    };
  }
  return {
    cause: `${said}: either cos-secret-key is not the SecretKey of cos-secret-id, or the service expects another region than ${region} (the region is part of every signature).`,
    fix: `Check cos-secret-key (the SecretKey of cos-secret-id) and cos-region${hintForRegion(region)}.`,
  };
}

export function diagnoseNetworkError(code: string, message: string, context: DiagnosisContext): Diagnosis {
  const host = context.endpoint.host;
  const detail = message.includes(code) ? message : `${code}: ${message}`;
  const endpoint = classifyEndpointHost(context.endpoint.hostname);
  const closest = endpoint.region !== undefined && !isKnownRegion(endpoint.region) ? closestKnownRegion(endpoint.region) : undefined;
  const regionHint = endpoint.region !== undefined && !isKnownRegion(endpoint.region) ? ` The region in it, ${endpoint.region}, is not a known COS region${closest ? `: did you mean ${closest}?` : '.'}` : '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return {
      cause: `${host} does not resolve (${code}).${regionHint}`,
      fix: `Check cos-endpoint (and cos-region, from which the default endpoint is built)${regionHint ? '' : '; the runner must be able to resolve it'}.`,
    };
  }
  if (isTlsError(code)) {
    return {
      cause: `TLS with ${host} failed (${detail}).`,
      fix: `Check cos-endpoint: https needs a certificate valid for ${context.endpoint.hostname} (a bucket name with dots does not match *.cos.<region>.myqcloud.com); use http:// only for a plain-HTTP S3-compatible service.`,
    };
  }
  return {
    cause: `cannot reach ${host} (${detail}).`,
    fix: 'Check cos-endpoint (scheme, host and port) and that the runner can reach it.',
  };
}

function isTlsError(code: string): boolean {
  return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|EPROTO/.test(code);
}

function describeRefusal(refusal: CosRefusal): string {
  const code = refusal.code ? ` ${refusal.code}` : '';
  const message = refusal.message ? ` (${refusal.message.replace(/\s+/g, ' ').slice(0, 200)})` : '';
  return `COS answered ${refusal.status}${code}${message}`;
}

function hintForRegion(region: string): string {
  if (isKnownRegion(region)) return '';
  const closest = closestKnownRegion(region);
  return closest ? ` ("${region}" is not a known COS region: did you mean ${closest}?)` : '';
}

function bucketDomainMismatch(bucketInHost: string | undefined, bucket: string): string {
  return bucketInHost !== undefined && bucketInHost !== bucket ? ` The endpoint's host names bucket ${bucketInHost}, but cos-bucket is ${bucket}.` : '';
}

/** The probe (or its multipart upload) never showed up in a listing within the bound. */
export function diagnoseListingTimeout(what: 'object' | 'multipart upload', waitedMs: number): Diagnosis {
  const registryCall = what === 'object' ? 'Stat (ListObjects) right after a write' : 'ListMultipartUploads on every PATCH';
  return {
    cause: `the probe ${what} was written but not listed within ${Math.round(waitedMs / 1000)} s. Harbor's registry relies on ${registryCall}; with a listing this late pushes fail with HTTP 500 ("Path not found").`,
    fix: 'No input causes this: retry later. If it persists, COS listing for this bucket is too slow for the registry; keep images on CFS with storage: filesystem.',
  };
}
