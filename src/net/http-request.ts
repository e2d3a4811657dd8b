import { request as httpRequest, type Agent, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { cancellation, isCancelled, onCancel, remainingMs } from '../run/cancel.js';

/**
 * The action's HTTP client (tool downloads, checksum files, the smoke test's registry and Harbor
 * API calls), on node:http/https rather than fetch.
 *
 * Why not fetch: @actions/core brings undici 6 (through @actions/http-client), which installs
 * itself as the process's global dispatcher, so Node's own fetch runs on it too. Its HTTP/1 parser
 * pauses under backpressure (a body that arrives faster than it is read), and when the server then
 * closes the connection (HTTP/1.0 servers such as `python3 -m http.server`, `Connection: close`,
 * many static mirrors) the socket's 'end' handler hits `assert(!this.paused)` in Parser.finish:
 * an AssertionError no try/catch can reach, which ends the process (nodejs/undici issue 5360,
 * lib/dispatcher/client-h1.js; fixed in undici 8, which needs Node >= 22.19, and Node 24's bundled
 * undici 7 has the same code). node:http's parser reads the end of the stream as the end of the
 * body: a paused stream simply stays buffered until it is read.
 *
 * Proxies: as before (fetch on undici 6's Agent read no proxy variable), connections go direct;
 * Node's own NODE_USE_ENV_PROXY, where the runtime has it, applies to the default agents used here.
 *
 * Every request ends on the run's cancel (src/run/cancel.ts) with RunCancelledError, except one
 * started after it (cleanup), which is only bounded by the time left.
 */

export interface HttpCall {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** A request that gets no byte (answer or body) for this long fails with HttpStalledError. */
  idleTimeoutMs: number;
  /** Redirects followed (as fetch's redirect: 'follow' does); 0 returns the 3xx answer. */
  maxRedirects?: number;
  /** Connections to use (kept alive, with a client's TLS settings); Node's default agent otherwise. */
  agent?: Agent;
}

export interface HttpAnswer {
  /** Where the answer came from, after redirects. */
  url: URL;
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** The body, not yet read: read it, or destroy it. */
  body: IncomingMessage;
}

/** No byte arrived for `idleMs`. */
export class HttpStalledError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly idleMs: number) {
    super(`no data for ${idleMs} ms`);
    this.name = 'HttpStalledError';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function sendHttp(url: URL, call: HttpCall): Promise<HttpAnswer> {
  let current = url;
  let method = (call.method ?? 'GET').toUpperCase();
  let body = call.body;
  const headers = { ...call.headers };
  for (let redirects = 0; ; redirects++) {
    const answer = await sendOnce(current, { ...call, method, headers, body });
    const location = answer.headers.location;
    if (!REDIRECTS.has(answer.status) || !location || redirects >= (call.maxRedirects ?? 0)) return answer;
    answer.body.resume();
    const next = new URL(location, current);
    // As fetch does: credentials stay with the origin they were meant for, and a 303 (or a
    // 301/302 after a POST) turns into a GET without a body.
    if (next.origin !== current.origin) deleteHeader(headers, 'authorization');
    if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      deleteHeader(headers, 'content-type');
      deleteHeader(headers, 'content-length');
    }
    current = next;
  }
}

function deleteHeader(headers: Record<string, string>, name: string): void {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) delete headers[key];
}

function sendOnce(url: URL, call: HttpCall & { method: string }): Promise<HttpAnswer> {
  const cleanup = isCancelled();
  const idleMs = cleanup ? Math.min(call.idleTimeoutMs, remainingMs()) : call.idleTimeoutMs;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new Error(`${url.protocol} URLs are not supported`));
  const requester = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { ...call.headers };
  if (call.body !== undefined) headers['content-length'] = String(call.body.length);
  else if (call.method === 'PUT' || call.method === 'POST' || call.method === 'PATCH') headers['content-length'] = '0';
  return new Promise((resolve, reject) => {
    const outgoing = requester(url, { method: call.method, headers, timeout: idleMs, ...(call.agent ? { agent: call.agent } : {}) });
    let answered: IncomingMessage | undefined;
    // The body, once answered, is what the reader waits on: it must see the cause, not a reset.
    const stop = (error: Error) => (answered ? answered.destroy(error) : outgoing.destroy(error));
    const stopOnCancel = cleanup ? () => undefined : onCancel(stop);
    // The socket's idle timeout covers the wait for the answer and every gap in the body.
    outgoing.on('timeout', () => stop(new HttpStalledError(idleMs)));
    outgoing.on('error', (error) => {
      stopOnCancel();
      reject(isCancelled() && !cleanup ? cancellation()! : error);
    });
    outgoing.on('response', (response) => {
      answered = response;
      response.on('close', stopOnCancel);
      resolve({ url, status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers: response.headers, body: response });
    });
    outgoing.end(call.body);
  });
}

/** Reads a whole body; more than `maxBytes` destroys it and fails. */
export async function readBody(body: Readable, maxBytes = Infinity): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the answer is larger than ${maxBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}
