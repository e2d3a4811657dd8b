import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * TC3-HMAC-SHA256 as TencentCloud's "Signature v3" documentation defines it, recomputed on the
 * server side from what arrived, so that a request the SDK signed wrongly (or with another key)
 * fails here as it would at TencentCloud.
 */

const ALGORITHM = 'TC3-HMAC-SHA256';
const MAX_CLOCK_SKEW_SECONDS = 300;

export type SignatureVerdict =
  | { ok: true; secretId: string }
  | { ok: false; code: 'AuthFailure.InvalidAuthorization' | 'AuthFailure.SecretIdNotFound' | 'AuthFailure.SignatureExpire' | 'AuthFailure.SignatureFailure'; message: string };

interface ParsedAuthorization {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=a;b, Signature=<hex>` */
function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header?.startsWith(`${ALGORITHM} `)) return undefined;
  const fields = new Map(
    header
      .slice(ALGORITHM.length + 1)
      .split(',')
      .map((part) => part.trim().split('=') as [string, string | undefined]),
  );
  const credential = fields.get('Credential')?.split('/');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || credential.length !== 4 || credential[3] !== 'tc3_request' || !signedHeaders || !signature) return undefined;
  return { secretId: credential[0]!, date: credential[1]!, service: credential[2]!, signedHeaders: signedHeaders.split(';'), signature };
}

function utcDate(timestampSeconds: number): string {
  return new Date(timestampSeconds * 1000).toISOString().slice(0, 10);
}

/** The signing key chain: SecretDate = HMAC("TC3"+key, date), SecretService, SecretSigning. */
export function tc3Signature(secretKey: string, date: string, service: string, stringToSign: string): string {
  const secretDate = hmac(`TC3${secretKey}`, date);
  const secretService = hmac(secretDate, service);
  const secretSigning = hmac(secretService, 'tc3_request');
  return createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex');
}

/**
 * The canonical value of a signed header: the value received, trimmed and lowercased, the Host
 * header included with its port. The documented algorithm builds CanonicalHeaders from the
 * request's headers, and the Go and Python SDKs sign exactly the Host they send (tencentcloud-sdk-go
 * common/client.go, `host:%s` from headers["Host"]; tencentcloud-sdk-python
 * common/abstract_client.py, req.header["Host"]), port and all, so a gateway that accepts them
 * compares with the Host it receives. The Node SDK signs the host name without the port while
 * sending Host with it (tencentcloud-sdk-nodejs src/common/sign.ts, `host:${urlObj.hostname}`), so
 * it fails here whenever its endpoint carries a port, as it would at such a gateway.
 */
function canonicalHeaderValue(name: string, headers: IncomingHttpHeaders): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

export interface SignedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Verifies a request against the documented steps: canonical request, string to sign with the
 * credential scope <date>/<service>/tc3_request, HMAC chain. `service` is the product the
 * server stands for ("tke"): a request signed for another one fails like a wrong key.
 */
export function verifyTc3Request(request: SignedRequest, secretKeys: ReadonlyMap<string, string>, service: string, nowSeconds = Date.now() / 1000): SignatureVerdict {
  const authorization = parseAuthorization(request.headers.authorization);
  if (!authorization) return { ok: false, code: 'AuthFailure.InvalidAuthorization', message: 'Authorization header is not a TC3-HMAC-SHA256 authorization.' };
  const secretKey = secretKeys.get(authorization.secretId);
  if (secretKey === undefined) return { ok: false, code: 'AuthFailure.SecretIdNotFound', message: 'The SecretId is not found, please ensure that your SecretId is correct.' };

  const timestampHeader = request.headers['x-tc-timestamp'];
  const timestamp = Number(timestampHeader);
  if (typeof timestampHeader !== 'string' || !Number.isInteger(timestamp)) return { ok: false, code: 'AuthFailure.InvalidAuthorization', message: 'X-TC-Timestamp is missing or not a UNIX timestamp.' };
  if (Math.abs(nowSeconds - timestamp) > MAX_CLOCK_SKEW_SECONDS) return { ok: false, code: 'AuthFailure.SignatureExpire', message: 'Signature expired. Timestamp and server time cannot differ by more than five minutes.' };

  // The documentation requires content-type and host among the signed headers.
  const signed = authorization.signedHeaders;
  if (!signed.includes('content-type') || !signed.includes('host') || signed.join(';') !== [...signed].sort().join(';')) {
    return { ok: false, code: 'AuthFailure.InvalidAuthorization', message: 'SignedHeaders must list content-type and host, lowercase and sorted.' };
  }
  const canonicalHeaders: string[] = [];
  for (const name of signed) {
    const value = canonicalHeaderValue(name, request.headers);
    if (value === undefined) return { ok: false, code: 'AuthFailure.InvalidAuthorization', message: `Signed header ${name} is missing from the request.` };
    canonicalHeaders.push(`${name}:${value}\n`);
  }

  const queryStart = request.url.indexOf('?');
  const canonicalUri = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const canonicalQuery = queryStart === -1 ? '' : request.url.slice(queryStart + 1);
  const canonicalRequest = [request.method.toUpperCase(), canonicalUri, canonicalQuery, canonicalHeaders.join(''), signed.join(';'), sha256Hex(request.body)].join('\n');

  // The scope is rebuilt from the server's own facts: the date of X-TC-Timestamp and its product.
  const credentialScope = `${utcDate(timestamp)}/${service}/tc3_request`;
  const stringToSign = [ALGORITHM, String(timestamp), credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const expected = Buffer.from(tc3Signature(secretKey, utcDate(timestamp), service, stringToSign), 'hex');
  const received = Buffer.from(authorization.signature, 'hex');
  const scopeMatches = authorization.date === utcDate(timestamp) && authorization.service === service;
  if (!scopeMatches || received.length !== expected.length || !timingSafeEqual(received, expected)) {
    return { ok: false, code: 'AuthFailure.SignatureFailure', message: 'The provided credentials could not be validated. Please check your signature is correct.' };
  }
  return { ok: true, secretId: authorization.secretId };
}
