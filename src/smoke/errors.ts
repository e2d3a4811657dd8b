/** Why a smoke test failed, named so that the user knows what to fix. */
export type SmokeFailureCause =
  | 'wrong-password'
  | 'realm-mismatch'
  | 'not-found'
  | 'denied'
  | 'read-only'
  | 'quota'
  | 'proxy-cache'
  | 'policy'
  | 'tls'
  | 'timeout'
  | 'digest-mismatch'
  | 'unreachable'
  | 'bad-request'
  | 'docker';

export interface SmokeTestErrorDetails {
  cause: SmokeFailureCause;
  /** How many requests (or docker runs) the failing step was tried. */
  attempts: number;
  /** The registry's error code of the last answer (UNKNOWN, BLOB_UPLOAD_UNKNOWN, ...), if it sent one. */
  registryErrorCode?: string;
  /** The last request and its answer, e.g. "PUT /v2/library/x/blobs/uploads/… → 500 UNKNOWN". */
  lastAttempt?: string;
  /** The diagnosed reason behind a run of retryable failures (COS listing lag, path style, keys...). */
  diagnosis?: { cause: string; hint: string };
}

export class SmokeTestError extends Error {
  readonly kind: SmokeFailureCause;
  readonly attempts: number;
  readonly registryErrorCode: string | undefined;
  readonly lastAttempt: string | undefined;
  readonly diagnosis: { cause: string; hint: string } | undefined;

  constructor(message: string, details: SmokeTestErrorDetails) {
    const parts = [message];
    if (details.lastAttempt) parts.push(`last request: ${details.lastAttempt}`);
    if (details.diagnosis) parts.push(`diagnosis: ${details.diagnosis.cause}; ${details.diagnosis.hint}`);
    super(`Smoke test failed (${details.cause}, ${details.attempts} attempt${details.attempts === 1 ? '' : 's'}): ${parts.join('; ')}`);
    this.name = 'SmokeTestError';
    this.kind = details.cause;
    this.attempts = details.attempts;
    this.registryErrorCode = details.registryErrorCode;
    this.lastAttempt = details.lastAttempt;
    this.diagnosis = details.diagnosis;
  }
}
