import type { IncomingHttpHeaders } from 'node:http';
import { readBody, sendHttp } from '../net/http-request.js';
import { log } from '../report/log.js';
import { RunCancelledError } from '../run/cancel.js';

/** One answer from the registry, read whole (smoke test bodies are a few hundred bytes). */
export interface RegistryAnswer {
  method: string;
  url: URL;
  status: number;
  headers: Headers;
  body: Buffer;
  /** `errors[0].code` of a distribution or Harbor error body (UNKNOWN, BLOB_UPLOAD_UNKNOWN, DENIED...). */
  errorCode?: string;
  /** `errors[0].message`: Harbor's own words (read-only mode, quota, policy …). */
  errorMessage?: string;
  /** Whether the request carried a Bearer token (a 401 to it may only mean the token expired). */
  sentToken: boolean;
}

/** The request never got an answer: reset, refused, timed out, or TLS failed. */
export class NetworkFailure extends Error {
  constructor(
    readonly method: string,
    readonly url: URL,
    readonly code: string,
    readonly isTls: boolean,
  ) {
    super(`${method} ${describePath(url)}: ${code}`);
    this.name = 'NetworkFailure';
  }
}

export interface RegistryRequest {
  headers?: Record<string, string>;
  body?: Buffer;
}

const TLS_ERROR = /CERT|TLS|SSL|EPROTO|self[- ]signed|certificate/i;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Every request of the native client goes through here: it is counted, timed out, and logged as
 * one line (method, path without the upload state, status, registry error code).
 */
export class RegistryHttp {
  requests = 0;
  bytesUploaded = 0;

  constructor(private readonly remainingMs: () => number) {}

  async send(step: string, method: string, url: URL, request: RegistryRequest = {}): Promise<RegistryAnswer> {
    this.requests += 1;
    if (request.body) this.bytesUploaded += request.body.length;
    const timeoutMs = Math.max(1000, Math.min(REQUEST_TIMEOUT_MS, this.remainingMs()));
    let status: number;
    let headers: Headers;
    let body: Buffer;
    try {
      // node:http, not fetch: src/net/http-request.ts says why. Redirects are followed as fetch did.
      const response = await sendHttp(url, { method, headers: request.headers, body: request.body, idleTimeoutMs: timeoutMs, maxRedirects: 20 });
      status = response.status;
      headers = webHeaders(response.headers);
      // Inside the try: a connection dropped or timed out while the body arrives is no answer either.
      if (method === 'HEAD') response.body.resume();
      body = method === 'HEAD' ? Buffer.alloc(0) : await readBody(response.body);
    } catch (error) {
      if (error instanceof RunCancelledError) throw error;
      const code = networkErrorCode(error);
      log.info(`${step}: ${method} ${describePath(url)} → no answer (${code})`);
      throw new NetworkFailure(method, url, code, TLS_ERROR.test(code));
    }
    const error = registryError(body);
    const sentToken = request.headers?.Authorization?.startsWith('Bearer ') ?? false;
    const answer: RegistryAnswer = { method, url, status, headers, body, errorCode: error?.code, errorMessage: error?.message, sentToken };
    log.info(`${step}: ${method} ${describePath(url)} → ${status}${answer.errorCode ? ` ${answer.errorCode}` : ''}`);
    return answer;
  }
}

/** The path, with only the digest of the query: `_state` is an opaque signed blob, tokens never belong in logs. */
export function describePath(url: URL): string {
  const digest = url.searchParams.get('digest');
  return `${url.pathname}${digest ? `?digest=${digest}` : ''}`;
}

export function describeAnswer(answer: RegistryAnswer): string {
  return `${answer.method} ${describePath(answer.url)} → ${answer.status}${answer.errorCode ? ` ${answer.errorCode}` : ''}`;
}

function registryError(body: Buffer): { code?: string; message?: string } | undefined {
  if (body.length === 0 || body[0] !== 0x7b /* { */) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed.errors?.[0];
    return {
      code: typeof first?.code === 'string' ? first.code : undefined,
      message: typeof first?.message === 'string' && first.message ? first.message : undefined,
    };
  } catch {
    return undefined;
  }
}

/** The answer's headers in the Headers shape RegistryAnswer has always had (from fetch). */
function webHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}

function networkErrorCode(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError' || error.name === 'HttpStalledError')) return 'timeout';
  const own = (error as { code?: unknown } | undefined)?.code;
  if (typeof own === 'string') return own;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
