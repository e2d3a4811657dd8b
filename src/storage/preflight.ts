import { classifyEndpointHost } from '../inputs/cos.js';
import { formatSeconds, log } from '../report/log.js';
import { cancellableSleep } from '../run/cancel.js';
import { redact, registerSecret } from '../report/redact.js';
import {
  diagnoseListingTimeout,
  diagnoseNetworkError,
  diagnoseRefusal,
  type Diagnosis,
  type DiagnosisContext,
  type PreflightStep,
} from './cos-diagnosis.js';
import { createCosSender, CosNetworkError, parseEndpoint, type CosAnswer, type CosCall, type CosSender } from './cos-request.js';
import { initiatedUploadId, listedKeys, listedUploads, parseErrorBody } from './cos-xml.js';
import { probeKey } from './probe-key.js';

/**
 * Proves, before anything touches the cluster, that the bucket answers the requests Harbor's
 * registry will send (same keys, region, endpoint and path-style addressing), and measures how
 * long a just-written object takes to show up in a listing: the registry's Stat is a listing, so
 * that lag is what turns into HTTP 500s on push.
 */

export interface PreflightOptions {
  /** e.g. https://cos.ap-guangzhou.myqcloud.com, a bucket domain, or http://127.0.0.1:PORT */
  endpoint: string;
  region: string;
  bucket: string;
  /** '/' or '/harbor' */
  rootDirectory: string;
  secretId: string;
  secretKey: string;
  /** Bound for list-after-write (and for the multipart upload to be listed). Default 30 s. */
  listWaitMs?: number;
  /** Pause between two listings while waiting. Default 250 ms. */
  pollIntervalMs?: number;
  /** Bound for one request. Default 15 s. */
  requestTimeoutMs?: number;
}

export interface PreflightStepResult {
  name: PreflightStep;
  ms: number;
  ok: boolean;
}

export interface PreflightResult {
  /** From the probe's PUT answer to the first listing that showed it. */
  listLagMs: number;
  /** From the multipart initiate answer to the first ListMultipartUploads that showed it. */
  uploadListLagMs: number;
  /** The key the probe used (already deleted). */
  probeKey: string;
  steps: PreflightStepResult[];
}

export class PreflightError extends Error {
  readonly step: PreflightStep;
  /** COS's error code, when COS answered with one. */
  readonly code?: string;
  /** HTTP status, when COS answered at all. */
  readonly status?: number;
  /** Node's error code (ENOTFOUND, ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT…) when nothing answered. */
  readonly networkError?: string;
  /** What went wrong, in the user's terms. */
  override readonly cause: string;
  /** What to change, naming the input(s): cos-secret-key, cos-region, cos-endpoint, cos-bucket… */
  readonly fix: string;
  readonly steps: PreflightStepResult[];

  constructor(step: PreflightStep, diagnosis: Diagnosis, details: { code?: string; status?: number; networkError?: string; steps: PreflightStepResult[] }) {
    const cause = redact(diagnosis.cause);
    const fix = redact(diagnosis.fix);
    super(`COS preflight failed at "${step}": ${cause} Fix: ${fix}`);
    this.name = 'PreflightError';
    this.step = step;
    this.code = details.code;
    this.status = details.status;
    this.networkError = details.networkError;
    this.cause = cause;
    this.fix = fix;
    this.steps = details.steps;
  }
}

const OBJECT_HEADERS = {
  // What distribution 2.8 sends with its defaults (no encryption, storageclass STANDARD, objectacl private).
  'Content-Type': 'application/octet-stream',
  'x-amz-acl': 'private',
  'x-amz-storage-class': 'STANDARD',
};

const PROBE_BODY = Buffer.from('harbor-tke-action storage preflight: safe to delete\n');

export async function runCosPreflight(options: PreflightOptions): Promise<PreflightResult> {
  registerSecret(options.secretId);
  registerSecret(options.secretKey);
  const steps: PreflightStepResult[] = [];
  let endpoint: URL;
  try {
    endpoint = parseEndpoint(options.endpoint);
  } catch (error) {
    throw new PreflightError('head bucket', { cause: `the endpoint "${options.endpoint}" is not a URL (${errorText(error)}).`, fix: 'Check cos-endpoint: e.g. https://cos.ap-guangzhou.myqcloud.com.' }, { steps });
  }
  const context: DiagnosisContext = { endpoint, region: options.region, bucket: options.bucket };
  const sender = createCosSender({
    endpoint,
    region: options.region,
    bucket: options.bucket,
    secretId: options.secretId,
    secretKey: options.secretKey,
    requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
  });
  const run = new PreflightRun(sender, context, steps, probeKey(options.rootDirectory), options.listWaitMs ?? 30_000, options.pollIntervalMs ?? 250);
  const started = performance.now();
  try {
    const result = await run.allSteps();
    log.info(describePreflight(result, options, performance.now() - started));
    return result;
  } catch (error) {
    await run.removeLeftovers();
    throw error;
  } finally {
    sender.close();
  }
}

/** The summary line: where, how long, and the measured lags. */
export function describePreflight(result: PreflightResult, options: Pick<PreflightOptions, 'bucket' | 'region' | 'endpoint'>, totalMs: number): string {
  const host = parseEndpoint(options.endpoint).host;
  return `COS preflight passed in ${formatSeconds(totalMs)}: bucket ${options.bucket} at ${host} (path-style, signed for ${options.region}); list-after-write lag ${result.listLagMs} ms, multipart upload listing lag ${result.uploadListLagMs} ms.`;
}

/**
 * The registry never sends HEAD bucket, so this one call is not shaped like the registry's: on a
 * bucket domain the bucket is "/" (HEAD /<bucket> there would ask for an object of that name);
 * everywhere else it is /<bucket>, path-style.
 */
export function headBucketCall(endpoint: URL): CosCall {
  return { method: 'HEAD', bucketInHost: classifyEndpointHost(endpoint.hostname).kind === 'cos-bucket-domain' };
}

class PreflightRun {
  /** A PUT was sent and did not clearly fail: the probe may exist. */
  private probeMayExist = false;
  /** Multipart uploads to abort: the known one, or "unknown" when initiate's answer was lost. */
  private uploadId: string | undefined;
  private uploadOutcomeUnknown = false;

  constructor(
    private readonly sender: CosSender,
    private readonly context: DiagnosisContext,
    private readonly steps: PreflightStepResult[],
    private readonly key: string,
    private readonly listWaitMs: number,
    private readonly pollIntervalMs: number,
  ) {}

  async allSteps(): Promise<PreflightResult> {
    await this.step('head bucket', () => this.headBucket());
    await this.step('put probe', () => this.putProbe());
    const listLagMs = await this.step('list probe', () => this.waitUntilListed('object', () => this.probeListed()), (lag) => `listed after ${lag} ms`);
    await this.step('initiate multipart upload', () => this.initiateUpload());
    const uploadListLagMs = await this.step('list multipart uploads', () => this.waitUntilListed('multipart upload', () => this.uploadListed()), (lag) => `listed after ${lag} ms`);
    await this.step('abort multipart upload', () => this.abortUpload());
    await this.step('delete probe', () => this.deleteProbe());
    return { listLagMs, uploadListLagMs, probeKey: this.key, steps: this.steps };
  }

  /** After a failure: nothing of the probe may stay in the bucket. Problems here are warnings. */
  async removeLeftovers(): Promise<void> {
    const leftovers: string[] = [];
    if (this.uploadId !== undefined || this.uploadOutcomeUnknown) {
      try {
        const ids = this.uploadId !== undefined ? [this.uploadId] : await this.uploadIdsForProbe();
        for (const uploadId of ids) await this.expect('abort multipart upload', { method: 'DELETE', key: this.key, query: [['uploadId', uploadId]] });
        this.uploadId = undefined;
      } catch (error) {
        leftovers.push(`the multipart upload of ${this.key} (${errorText(error)})`);
      }
    }
    if (this.probeMayExist) {
      try {
        await this.expect('delete probe', { method: 'DELETE', key: this.key });
        this.probeMayExist = false;
      } catch (error) {
        leftovers.push(`the object ${this.key} (${errorText(error)})`);
      }
    }
    for (const leftover of leftovers) log.warning(`COS preflight could not remove ${leftover}; delete it in the COS console.`, 'COS preflight left a probe behind');
  }

  private async step<T>(name: PreflightStep, body: () => Promise<T>, describe?: (value: T) => string): Promise<T> {
    const started = performance.now();
    try {
      const value = await body();
      const ms = Math.round(performance.now() - started);
      this.steps.push({ name, ms, ok: true });
      log.info(`COS preflight: ${name} ok in ${formatSeconds(ms)}${describe ? ` (${describe(value)})` : ''}`);
      return value;
    } catch (error) {
      const ms = Math.round(performance.now() - started);
      this.steps.push({ name, ms, ok: false });
      log.info(`COS preflight: ${name} FAILED after ${formatSeconds(ms)}`);
      throw error;
    }
  }

  private async headBucket(): Promise<void> {
    await this.expect('head bucket', headBucketCall(this.context.endpoint));
  }

  private async putProbe(): Promise<void> {
    this.probeMayExist = true;
    try {
      await this.expect('put probe', { method: 'PUT', key: this.key, headers: OBJECT_HEADERS, body: PROBE_BODY });
    } catch (error) {
      // Refused outright: nothing was written. Lost on the way: it may have been.
      if (error instanceof PreflightError && error.status !== undefined && error.status < 500) this.probeMayExist = false;
      throw error;
    }
  }

  private async probeListed(): Promise<boolean> {
    const answer = await this.expect('list probe', { method: 'GET', query: [['list-type', '2'], ['prefix', this.key]] });
    return listedKeys(answer.body).includes(this.key);
  }

  private async initiateUpload(): Promise<void> {
    this.uploadOutcomeUnknown = true;
    let answer: CosAnswer;
    try {
      answer = await this.expect('initiate multipart upload', { method: 'POST', key: this.key, query: [['uploads']], headers: OBJECT_HEADERS });
    } catch (error) {
      if (error instanceof PreflightError && error.status !== undefined && error.status < 500) this.uploadOutcomeUnknown = false;
      throw error;
    }
    this.uploadId = initiatedUploadId(answer.body);
    this.uploadOutcomeUnknown = this.uploadId === undefined;
    if (this.uploadId === undefined) {
      throw this.failure('initiate multipart upload', {
        cause: `the answer to InitiateMultipartUpload (${answer.status}) carries no UploadId.`,
        fix: 'Check cos-endpoint: it must be COS or an S3-compatible service with multipart uploads.',
      }, answer.status);
    }
  }

  private async uploadListed(): Promise<boolean> {
    return (await this.uploadIdsForProbe()).includes(this.uploadId ?? '');
  }

  private async uploadIdsForProbe(): Promise<string[]> {
    // As the registry's Writer(append) looks up an upload: ListMultipartUploads with the key as prefix.
    const answer = await this.expect('list multipart uploads', { method: 'GET', query: [['uploads'], ['prefix', this.key]] });
    return listedUploads(answer.body)
      .filter((upload) => upload.key === this.key)
      .map((upload) => upload.uploadId);
  }

  private async abortUpload(): Promise<void> {
    await this.expect('abort multipart upload', { method: 'DELETE', key: this.key, query: [['uploadId', this.uploadId ?? '']] });
    this.uploadId = undefined;
    this.uploadOutcomeUnknown = false;
  }

  private async deleteProbe(): Promise<void> {
    await this.expect('delete probe', { method: 'DELETE', key: this.key });
    this.probeMayExist = false;
  }

  /** Lists until `listed` says yes; the lag is from now (just after the write's answer) to the listing that showed it. */
  private async waitUntilListed(what: 'object' | 'multipart upload', listed: () => Promise<boolean>): Promise<number> {
    const written = performance.now();
    for (;;) {
      const sent = performance.now();
      if (await listed()) return Math.round(sent - written);
      const waited = performance.now() - written;
      if (waited >= this.listWaitMs) {
        throw this.failure(what === 'object' ? 'list probe' : 'list multipart uploads', diagnoseListingTimeout(what, this.listWaitMs));
      }
      await cancellableSleep(Math.min(this.pollIntervalMs, this.listWaitMs - waited));
    }
  }

  /** Sends a call and returns its 2xx answer; anything else becomes a diagnosed PreflightError. */
  private async expect(step: PreflightStep, call: CosCall): Promise<CosAnswer> {
    const answer = await this.send(step, call);
    if (answer.status >= 200 && answer.status < 300) return answer;
    let body = parseErrorBody(answer.body);
    if (body.code === undefined && call.method === 'HEAD') body = await this.explainHead(step, call);
    throw this.failure(step, diagnoseRefusal(step, { status: answer.status, code: body.code, message: body.message, expectedRegion: body.region }, this.context), answer.status, body.code);
  }

  /** A HEAD answer has no body, so no error code: ask the same resource with a GET (a listing capped at one key) to read it. */
  private async explainHead(step: PreflightStep, call: CosCall): Promise<ReturnType<typeof parseErrorBody>> {
    try {
      const answer = await this.send(step, { ...call, method: 'GET', query: [['list-type', '2'], ['max-keys', '1'], ['prefix', this.key]] });
      return parseErrorBody(answer.body);
    } catch {
      return {};
    }
  }

  private async send(step: PreflightStep, call: CosCall): Promise<CosAnswer> {
    try {
      return await this.sender.send(call);
    } catch (error) {
      if (error instanceof CosNetworkError) {
        throw new PreflightError(step, diagnoseNetworkError(error.code, error.message, this.context), { networkError: error.code, steps: this.steps });
      }
      throw error;
    }
  }

  private failure(step: PreflightStep, diagnosis: Diagnosis, status?: number, code?: string): PreflightError {
    return new PreflightError(step, diagnosis, { status, code, steps: this.steps });
  }
}

function errorText(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}
