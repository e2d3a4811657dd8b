/**
 * The time budget of one smoke test and the waits between tries: exponential backoff with full
 * jitter (a random wait between 0 and base * 2^n, capped), never past the deadline. Full jitter
 * keeps retries from many runners from arriving in step at a registry that is already struggling.
 */
export interface BackoffSettings {
  timeoutMs: number;
  baseMs?: number;
  capMs?: number;
  random?: () => number;
}

export const DEFAULT_BACKOFF_BASE_MS = 250;
/**
 * Small on purpose: COS listing lag clears within seconds, and every second of wait past its end
 * adds to the time to green. One client sending a few requests a second is no load for a registry.
 */
export const DEFAULT_BACKOFF_CAP_MS = 1000;

export class RetryBudget {
  private readonly deadline: number;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;

  constructor(settings: BackoffSettings) {
    this.deadline = Date.now() + settings.timeoutMs;
    this.baseMs = settings.baseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.capMs = settings.capMs ?? Math.max(DEFAULT_BACKOFF_CAP_MS, this.baseMs);
    this.random = settings.random ?? Math.random;
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  /** The wait before try number `retryIndex + 2`; a server's Retry-After wins over the backoff. */
  delayBeforeRetry(retryIndex: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined) return retryAfterMs;
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** Math.min(retryIndex, 20));
    return Math.round(this.random() * ceiling);
  }

  /** Whether a retry after `delayMs` still has time to run. */
  allows(delayMs: number): boolean {
    return delayMs < this.remainingMs();
  }
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
