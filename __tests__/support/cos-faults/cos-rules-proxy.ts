import { startProxy, xmlError, type ProxiedRequest, type ProxyServer } from './forward.js';

/**
 * COS answers that radosgw never gives, in front of a real radosgw. Every rule refuses before
 * radosgw sees the request, as COS does.
 */
export interface CosRules {
  /**
   * Refuse path-style requests (bucket in the path, not in the Host) with 403
   * PathStyleDomainForbidden, as COS does for every bucket created after 2024-01-01.
   */
  pathStyleForbidden?: boolean;
  /**
   * Refuse signatures made for any other region with S3's 400 AuthorizationHeaderMalformed naming
   * the expected region. Needed because radosgw accepts a signature for any region.
   */
  signingRegion?: string;
  /** Refuse matching requests with 403 AccessDenied, as a CAM policy lacking that action does. */
  deny?: (request: ProxiedRequest) => boolean;
}

export interface CosRulesProxy extends ProxyServer {
  /** Requests refused by a rule. */
  refused: { method: string; path: string; code: string }[];
}

export async function startCosRulesProxy(upstreamUrl: string, rules: CosRules): Promise<CosRulesProxy> {
  const refused: CosRulesProxy['refused'] = [];
  const server = await startProxy(upstreamUrl, async (request, forward) => {
    const refusal = refuse(request, rules);
    if (!refusal) return forward();
    refused.push({ method: request.method, path: request.path, code: refusal.code });
    return xmlError(refusal.status, refusal.code, refusal.message, refusal.extra);
  });
  return { ...server, refused };
}

function refuse(request: ProxiedRequest, rules: CosRules): { status: number; code: string; message: string; extra?: Record<string, string> } | undefined {
  const bucket = request.path.split('/')[1] ?? '';
  const host = request.headers.host ?? '';
  if (rules.pathStyleForbidden && bucket !== '' && !host.startsWith(`${bucket}.`)) {
    return {
      status: 403,
      code: 'PathStyleDomainForbidden',
      message: 'The bucket you are attempting to access must be addressed using COS virtual-styled domain.',
      extra: { Resource: `${host}${request.path}` },
    };
  }
  const signedFor = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request/.exec(request.headers.authorization ?? '')?.[1];
  if (rules.signingRegion !== undefined && signedFor !== rules.signingRegion) {
    return {
      status: 400,
      code: 'AuthorizationHeaderMalformed',
      message: `The authorization header is malformed; the region '${signedFor ?? ''}' is wrong; expecting '${rules.signingRegion}'`,
      extra: { Region: rules.signingRegion },
    };
  }
  if (rules.deny?.(request)) return { status: 403, code: 'AccessDenied', message: 'Access Denied.' };
  return undefined;
}
