/**
 * HTTP downloads for the installer: streamed to disk with the SHA-256 computed on the way, so a
 * 60 MB archive is read once; transient failures (connection reset, stalls, 5xx) retried with
 * exponential backoff; a 404 fails at once with the URL. On node:http (src/net/http-request.ts
 * says why not fetch); a cancelled run stops the download and its retries.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BodyTooLargeError, HttpStalledError, readBody, sendHttp } from '../net/http-request.js';
import { formatSeconds, log } from '../report/log.js';
import { cancellableSleep, RunCancelledError } from '../run/cancel.js';

export interface RetryPolicy {
  /** Tries in all, the first one included. */
  attempts: number;
  /** Wait before the second try; doubled before each further one. Tests set it to a few ms. */
  baseDelayMs: number;
  /** A response that sends no byte for this long is abandoned (and retried). */
  idleTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, idleTimeoutMs: 60_000 };

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly url: string,
    /** HTTP status of the last answer; undefined when the connection itself failed. */
    readonly status: number | undefined,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadedFile {
  sha256: string;
  bytes: number;
}

const USER_AGENT = 'harbor-tke-action';
const TRANSIENT_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);
/** Local file-system failures: retrying the network would not fix them. */
const LOCAL_ERROR_CODES = new Set(['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'ENOENT', 'EISDIR', 'EMFILE']);

/** Downloads `url` to `file`, returning the SHA-256 of exactly the bytes written. */
export async function downloadToFile(url: string, file: string, policy: RetryPolicy = DEFAULT_RETRY_POLICY): Promise<DownloadedFile> {
  return withRetries(url, policy, async (body) => {
    const hash = createHash('sha256');
    let bytes = 0;
    // A second 'data' listener beside the pipe to the file, rather than a Transform stage between
    // them: each chunk is hashed exactly once, in order, with no extra stream hop.
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(file));
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    return { sha256: hash.digest('hex'), bytes };
  });
}

/** A small text file (checksum, version pointer): refuses bodies over `maxBytes`. */
export async function fetchText(url: string, policy: RetryPolicy = DEFAULT_RETRY_POLICY, maxBytes = 64 * 1024): Promise<string> {
  return withRetries(url, policy, async (body) => {
    try {
      return (await readBody(body, maxBytes)).toString('utf8');
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw new DownloadError(`${url} sent more than ${maxBytes} bytes where a short text file was expected.`, url, 200, false);
      throw error;
    }
  });
}

type BodyConsumer<T> = (body: Readable) => Promise<T>;

async function withRetries<T>(url: string, policy: RetryPolicy, consume: BodyConsumer<T>): Promise<T> {
  const attempts = Math.max(1, policy.attempts);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchOnce(url, policy, consume);
    } catch (error) {
      if (error instanceof RunCancelledError) throw error;
      const failure = asDownloadError(error, url);
      if (!failure.transient) throw failure;
      if (attempt >= attempts) {
        throw new DownloadError(`${failure.message} (gave up after ${attempts} attempts)`, url, failure.status, true);
      }
      const delayMs = policy.baseDelayMs * 2 ** (attempt - 1);
      log.info(`${failure.message}; retrying in ${formatSeconds(delayMs)} (attempt ${attempt + 1} of ${attempts})`);
      await cancellableSleep(delayMs);
    }
  }
}

async function fetchOnce<T>(url: string, policy: RetryPolicy, consume: BodyConsumer<T>): Promise<T> {
  const answer = await sendHttp(new URL(url), { headers: { 'user-agent': USER_AGENT }, idleTimeoutMs: policy.idleTimeoutMs, maxRedirects: 10 });
  if (answer.status < 200 || answer.status > 299) {
    answer.body.resume();
    const transient = TRANSIENT_STATUSES.has(answer.status) || answer.status >= 500;
    throw new DownloadError(`${url} answered HTTP ${answer.status} ${answer.statusText}`.trimEnd(), url, answer.status, transient);
  }
  return consume(answer.body);
}

function asDownloadError(error: unknown, url: string): DownloadError {
  if (error instanceof DownloadError) return error;
  if (error instanceof HttpStalledError) return new DownloadError(`${url}: no data for ${formatSeconds(error.idleMs)}`, url, undefined, true);
  const code = errorCode(error);
  if (code && LOCAL_ERROR_CODES.has(code) && (error as { syscall?: string }).syscall) {
    return new DownloadError(`could not write the download of ${url}: ${(error as Error).message}`, url, undefined, false);
  }
  return new DownloadError(`${url}: connection failed (${describeNetworkError(error)})`, url, undefined, true);
}

/** The socket error's code (ECONNRESET, ETIMEDOUT, …), on the error or, wrapped, in its `cause`. */
function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error, depth = 0; current && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !parts.includes(message)) parts.push(message);
  }
  const code = errorCode(error);
  if (code && !parts.some((part) => part.includes(code))) parts.push(code);
  return parts.join(': ') || 'unknown error';
}
