import aws4 from 'aws4';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { cancellation, isCancelled, onCancel, remainingMs } from '../run/cancel.js';

/**
 * Requests to COS (or any S3-compatible service) shaped the way Harbor's registry sends them:
 * distribution 2.8's S3 driver sets S3ForcePathStyle whenever `regionendpoint` is set, so every
 * request goes to `<endpoint>/<bucket>/<key>` (even when the endpoint is the bucket's own domain),
 * signed with SigV4 for `region`. Signing is aws4's; this module only builds and sends.
 */

export interface CosConnection {
  endpoint: URL;
  region: string;
  bucket: string;
  secretId: string;
  secretKey: string;
  requestTimeoutMs: number;
}

export type CosMethod = 'HEAD' | 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface CosCall {
  method: CosMethod;
  /** Object key inside the bucket; absent for a bucket-level call. */
  key?: string;
  /** In order; a name without a value is sent bare (`?uploads`). */
  query?: [name: string, value?: string][];
  headers?: Record<string, string>;
  body?: Buffer;
  /** Address the bucket as `/` on the endpoint's host (virtual-hosted) instead of `/<bucket>`. */
  bucketInHost?: boolean;
}

export interface CosAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The request never got an HTTP answer: DNS, TCP, TLS or a timeout. */
export class CosNetworkError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CosNetworkError';
  }
}

/** An endpoint as the registry reads it: a URL, https when no scheme is given. */
export function parseEndpoint(endpoint: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  const url = new URL(withScheme);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`endpoint ${url.protocol}//${url.host} is neither http nor https`);
  return url;
}

/** The path (with query) a call goes to: the endpoint's own path, then /<bucket>/<key>. */
export function requestPath(connection: Pick<CosConnection, 'endpoint' | 'bucket'>, call: CosCall): string {
  const base = connection.endpoint.pathname.replace(/\/+$/, '');
  const bucketPart = call.bucketInHost ? '' : `/${escapePath(connection.bucket)}`;
  const keyPart = call.key === undefined ? '' : `/${escapePath(call.key)}`;
  const path = `${base}${bucketPart}${keyPart}` || '/';
  const query = (call.query ?? []).map(([name, value]) => (value === undefined ? escapeQuery(name) : `${escapeQuery(name)}=${escapeQuery(value)}`)).join('&');
  return query ? `${path}?${query}` : path;
}

export interface SignedRequest {
  url: URL;
  method: CosMethod;
  headers: Record<string, string>;
  body?: Buffer;
}

export function signCall(connection: CosConnection, call: CosCall): SignedRequest {
  const host = connection.endpoint.host;
  const request: aws4.Request = {
    host,
    method: call.method,
    path: requestPath(connection, call),
    service: 's3',
    region: connection.region,
    headers: { Host: host, ...call.headers },
    body: call.body,
  };
  // S3 signs the payload's hash (aws4 adds it for service s3) and an empty body for every other call.
  aws4.sign(request, { accessKeyId: connection.secretId, secretAccessKey: connection.secretKey });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) if (value !== undefined) headers[name] = String(value);
  return { url: new URL(`${connection.endpoint.protocol}//${host}${request.path ?? '/'}`), method: call.method, headers, body: call.body };
}

export interface CosSender {
  send(call: CosCall): Promise<CosAnswer>;
  /** Closes the kept-alive connections. */
  close(): void;
}

export function createCosSender(connection: CosConnection): CosSender {
  const https = connection.endpoint.protocol === 'https:';
  const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  return {
    send: (call) => send(signCall(connection, call), agent, connection.requestTimeoutMs),
    close: () => agent.destroy(),
  };
}

/**
 * One request on node:http (not fetch: src/net/http-request.ts says why). A cancelled run ends it
 * with RunCancelledError; one started after the cancel (removing the probe's leftovers) is only
 * bounded by the time left.
 */
function send(signed: SignedRequest, agent: HttpAgent, requestTimeoutMs: number): Promise<CosAnswer> {
  const requester = signed.url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = { ...signed.headers };
  if (signed.body === undefined && (signed.method === 'PUT' || signed.method === 'POST')) headers['Content-Length'] = '0';
  const cleanup = isCancelled();
  const timeoutMs = cleanup ? Math.min(requestTimeoutMs, remainingMs()) : requestTimeoutMs;
  return new Promise((resolve, reject) => {
    const stopOnCancel = cleanup
      ? () => undefined
      : onCancel((reason) => {
          reject(reason);
          outgoing.destroy();
        });
    const outgoing = requester(signed.url, { method: signed.method, headers, agent, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        stopOnCancel();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', (error) => {
        stopOnCancel();
        reject(asNetworkError(error));
      });
    });
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    outgoing.on('error', (error) => {
      stopOnCancel();
      reject(isCancelled() && !cleanup ? cancellation()! : asNetworkError(error));
    });
    outgoing.end(signed.body);
  });
}

function asNetworkError(error: Error): CosNetworkError {
  // Node's own text names at most the host and port: no path, no query, nothing signed.
  return new CosNetworkError((error as NodeJS.ErrnoException).code ?? 'UNKNOWN', error.message);
}

/** As the registry's SDK escapes a key in the path: everything but unreserved characters and '/'. */
function escapePath(path: string): string {
  return path.split('/').map(escapeRfc3986).join('/');
}

function escapeQuery(value: string): string {
  return escapeRfc3986(value);
}

function escapeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
