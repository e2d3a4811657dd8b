import { log } from '../report/log.js';
import { cancellableSleep } from '../run/cancel.js';
import { parseRetryAfter, type RetryBudget } from './backoff.js';
import { diagnoseRegistryErrorBody, diagnoseRegistryLog, type Diagnosis } from './diagnose.js';
import { SmokeTestError, type SmokeFailureCause } from './errors.js';
import { explainDeniedPush, explainPolicy, explainUnauthorized, harborSays } from './harbor-answers.js';
import { NetworkFailure, describeAnswer, describePath, type RegistryAnswer } from './http.js';

/** The part of the push a request belongs to: the same status means different things in each. */
export type RequestRole = 'ping' | 'login' | 'token' | 'blob-check' | 'blob-upload' | 'manifest-put' | 'readback';

/** A failure that can succeed when tried again (the step is then repeated from its start). */
export class RetryableFailure extends Error {
  constructor(
    readonly lastAttempt: string,
    readonly registryErrorCode: string | undefined,
    readonly retryAfterMs: number | undefined,
    readonly diagnosis: Diagnosis | undefined,
    readonly noAnswer: boolean,
  ) {
    super(lastAttempt);
    this.name = 'RetryableFailure';
  }
}

/**
 * A 401 to a request that carried a token. Harbor treats an expired token like none
 * (src/server/middleware/security/v2_token.go), so the token is renewed and the step repeated;
 * `refusal` is the failure if a fresh token is refused as well.
 */
export class TokenRefused extends RetryableFailure {
  constructor(
    lastAttempt: string,
    registryErrorCode: string | undefined,
    readonly refusal: SmokeTestError,
  ) {
    super(lastAttempt, registryErrorCode, undefined, undefined, false);
    this.name = 'TokenRefused';
  }
}

/** Counts tries across the whole smoke test; `attempts` is 1 + every retry of every step. */
export class AttemptCounter {
  retries = 0;
  get attempts(): number {
    return this.retries + 1;
  }
}

const RETRYABLE_STATUSES = new Set([500, 502, 503, 504]);

/** The repository a /v2 request names, e.g. library/harbor-smoke of /v2/library/harbor-smoke/blobs/…. */
function repositoryOf(url: URL): string {
  return /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(url.pathname)?.[1] ?? url.pathname;
}

/**
 * The policy: what is retried and what fails at once. Retried: 5xx from a gateway or the
 * registry (COS listing lag shows up as 500 UNKNOWN), 429 (after Retry-After), a commit answered
 * 404 BLOB_UPLOAD_UNKNOWN (the upload session is gone: a new one is started), requests that got
 * no answer, a 412 while Harbor's scan on push is still running, and a 401 to a token (renewed
 * once). Never retried: 400, 401, 403, 404 outside a commit, other 412s, TLS failures: they
 * cannot succeed on a retry and waiting would only hide the cause. Harbor's own words go into
 * the message.
 */
export function judgeAnswer(role: RequestRole, answer: RegistryAnswer, counter: AttemptCounter): never {
  const lastAttempt = describeAnswer(answer);
  const code = answer.errorCode;
  const says = harborSays(answer.errorMessage);
  const fail = (cause: SmokeFailureCause, message: string): never => {
    throw new SmokeTestError(message, { cause, attempts: counter.attempts, registryErrorCode: code, lastAttempt });
  };
  if (RETRYABLE_STATUSES.has(answer.status)) {
    throw new RetryableFailure(lastAttempt, code, undefined, diagnoseRegistryErrorBody(answer.body.toString('utf8')), false);
  }
  if (answer.status === 429) {
    throw new RetryableFailure(lastAttempt, code, parseRetryAfter(answer.headers.get('retry-after')), undefined, false);
  }
  if (answer.status === 404 && role === 'blob-upload' && code === 'BLOB_UPLOAD_UNKNOWN') {
    throw new RetryableFailure(lastAttempt, code, undefined, undefined, false);
  }
  if (answer.status === 401 && (role === 'token' || role === 'login')) {
    return fail('wrong-password', 'the registry refused the username or password: check smoke-test-username and smoke-test-password (or admin-password)');
  }
  const repository = repositoryOf(answer.url);
  if (answer.status === 401) {
    const { cause, message } = explainUnauthorized(repository, answer.errorMessage);
    const refusal = new SmokeTestError(message, { cause, attempts: counter.attempts, registryErrorCode: code, lastAttempt });
    if (answer.sentToken) throw new TokenRefused(lastAttempt, code, refusal);
    throw refusal;
  }
  if (answer.status === 403) {
    const { cause, message } = explainDeniedPush(repository, answer.errorMessage);
    return fail(cause, message);
  }
  if (answer.status === 412 && code === 'PROJECTPOLICYVIOLATION') {
    const { retry, cause, message } = explainPolicy(repository, answer.errorMessage);
    if (retry) throw new RetryableFailure(lastAttempt, code, undefined, { cause: message, hint: 'Harbor serves the image once its scan on push has finished: raise smoke-test-timeout if scans take longer' }, false);
    return fail(cause, message);
  }
  if (answer.status === 412) {
    return fail('policy', `Harbor refused ${answer.method} ${describePath(answer.url)} on a precondition${says}`);
  }
  if (answer.status === 404 && role === 'ping') {
    return fail('not-found', `no registry API at ${answer.url.origin}/v2/ (check registry-url)`);
  }
  if (answer.status === 404) {
    return fail('not-found', code === 'NAME_UNKNOWN' ? `the repository or its project does not exist${says}` : `${describePath(answer.url)} was not found${says}`);
  }
  if (answer.status === 400) {
    return fail('bad-request', `the registry rejected the request${code ? ` (${code})` : ''}${says}`);
  }
  return fail('bad-request', `unexpected answer ${answer.status}${says}`);
}

export function judgeNetworkFailure(failure: NetworkFailure, counter: AttemptCounter): never {
  const lastAttempt = `${failure.method} ${describePath(failure.url)} → no answer (${failure.code})`;
  if (failure.isTls) {
    throw new SmokeTestError(`TLS failed talking to ${failure.url.origin} (${failure.code}): check the certificate and the scheme of registry-url`, {
      cause: 'tls',
      attempts: counter.attempts,
      lastAttempt,
    });
  }
  throw new RetryableFailure(lastAttempt, undefined, undefined, undefined, true);
}

export interface RetryContext {
  budget: RetryBudget;
  counter: AttemptCounter;
  /** Fetches a new token after a 401 to one (set once logged in with a token). */
  renewToken?: () => Promise<void>;
  /** Reads the registry's own log once retries have run out (the pod log, when the cluster is reachable). */
  readRegistryLog?: () => Promise<string>;
}

/**
 * Runs one step until it succeeds, a failure that cannot succeed on retry happens, or the budget
 * runs out. A step is repeated from its start: a blob upload begins again with a new POST, since
 * the old upload URL keeps failing once its commit failed.
 */
export async function retrying<T>(context: RetryContext, stepName: string, attempt: () => Promise<T>): Promise<T> {
  // When the last try is cut off by the deadline itself, the registry's last answer is the cause.
  let lastAnswered: RetryableFailure | undefined;
  // A token is renewed after a 401; a second 401 in a row means the fresh token is refused too.
  let renewed = false;
  for (let retryIndex = 0; ; retryIndex += 1) {
    let failure: RetryableFailure;
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof NetworkFailure) {
        try {
          judgeNetworkFailure(error, context.counter);
        } catch (judged) {
          if (!(judged instanceof RetryableFailure)) throw judged;
          failure = judged;
        }
      } else if (error instanceof RetryableFailure) {
        failure = error;
      } else {
        throw error;
      }
    }
    if (failure instanceof TokenRefused) {
      if (renewed || !context.renewToken) throw failure.refusal;
      renewed = true;
      log.info(`${stepName}: token refused (${failure.lastAttempt}): fetching a new one`);
      context.counter.retries += 1;
      await context.renewToken();
      continue;
    }
    renewed = false;
    if (!failure.noAnswer) lastAnswered = failure;
    const delayMs = context.budget.delayBeforeRetry(retryIndex, failure.retryAfterMs);
    if (!context.budget.allows(delayMs)) throw await outOfTime(context, stepName, failure.noAnswer && lastAnswered ? lastAnswered : failure);
    log.info(`${stepName}: retrying in ${(delayMs / 1000).toFixed(2)} s (${failure.lastAttempt})`);
    context.counter.retries += 1;
    await cancellableSleep(delayMs);
  }
}

async function outOfTime(context: RetryContext, stepName: string, failure: RetryableFailure): Promise<SmokeTestError> {
  let diagnosis = failure.diagnosis;
  if (context.readRegistryLog) {
    try {
      diagnosis = diagnoseRegistryLog(await context.readRegistryLog()) ?? diagnosis;
    } catch (error) {
      log.warning(`Could not read the registry log: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return new SmokeTestError(
    failure.noAnswer ? `${stepName}: the registry did not answer before smoke-test-timeout` : `${stepName} kept failing until smoke-test-timeout ran out`,
    {
      cause: failure.noAnswer ? 'unreachable' : 'timeout',
      attempts: context.counter.attempts,
      registryErrorCode: failure.registryErrorCode,
      lastAttempt: failure.lastAttempt,
      diagnosis,
    },
  );
}
