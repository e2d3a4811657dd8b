/**
 * The run's cancellation, in one place. A GitHub runner cancels a step by sending SIGINT to the
 * action's node process only (not to its process group), SIGTERM 7.5 s later and SIGKILL 2.5 s
 * after that; the post step runs afterwards. So the action itself must pass the signal on to the
 * helm, kubectl and docker processes it started, let helm finish what it does on a signal (mark
 * the release failed, roll back), and end before the runner's SIGTERM.
 *
 * How code takes part:
 * - `runSignal` is aborted on the first signal: HTTP clients and waits pass it on, and
 *   `throwIfCancelled()` at a phase boundary keeps new work (a helm upgrade) from starting.
 * - `onCancel(callback)` registers what must react at once (the exec wrapper forwards the signal
 *   to each child it started; a watch stops). It returns the function that unregisters it.
 * - Cleanup that must still reach the cluster after a cancel (reading the release state, releasing
 *   a lock) runs its tool with `evenIfCancelled` (src/tools/exec.ts), which bounds it by
 *   `remainingMs()`. Every other tool call refuses to start once the run is cancelled.
 * - `RunCancelledError` unwinds the modes through their `finally` blocks.
 */

/** Thrown by whatever the cancellation stopped; the mode's code lets it pass. */
export class RunCancelledError extends Error {
  constructor(readonly signal: string) {
    super(`the run was cancelled (${signal})`);
    this.name = 'RunCancelledError';
  }
}

/**
 * From the first signal until the action must have ended. The runner sends SIGTERM at 7.5 s and
 * kills at 10 s; 6.5 s leaves a second for the exit itself on a loaded runner.
 */
export const CANCEL_DEADLINE_MS = 6_500;

/** How long a helm process gets to finish after the signal (mark failed, roll back) before it is killed. */
export const HELM_GRACE_MS = 5_000;

/** How long any other process (kubectl, docker) gets after the signal before it is killed. */
export const TOOL_GRACE_MS = 1_500;

type CancelCallback = (reason: RunCancelledError) => void;

const controller = new AbortController();
const callbacks = new Set<CancelCallback>();
let cancelledAt: number | undefined;

export const runSignal: AbortSignal = controller.signal;

export function isCancelled(): boolean {
  return controller.signal.aborted;
}

/** The reason the run was cancelled, or undefined while it was not. */
export function cancellation(): RunCancelledError | undefined {
  return controller.signal.aborted ? (controller.signal.reason as RunCancelledError) : undefined;
}

export function throwIfCancelled(): void {
  if (controller.signal.aborted) throw controller.signal.reason as RunCancelledError;
}

/** ms until the deadline after a cancel (Infinity while the run is not cancelled). */
export function remainingMs(): number {
  return cancelledAt === undefined ? Infinity : Math.max(0, cancelledAt + CANCEL_DEADLINE_MS - performance.now());
}

/** Calls `callback` once when the run is cancelled (at once if it already is); returns the unregistering function. */
export function onCancel(callback: CancelCallback): () => void {
  if (controller.signal.aborted) {
    callback(controller.signal.reason as RunCancelledError);
    return () => undefined;
  }
  callbacks.add(callback);
  return () => callbacks.delete(callback);
}

/** Cancels the run (the first call counts; later ones return false). */
export function cancelRun(signal: string): boolean {
  if (controller.signal.aborted) return false;
  cancelledAt = performance.now();
  const reason = new RunCancelledError(signal);
  controller.abort(reason);
  for (const callback of [...callbacks]) {
    try {
      callback(reason);
    } catch {
      // One failing reaction must not keep the others (a child's signal) from running.
    }
  }
  callbacks.clear();
  return true;
}

/** A promise that rejects with the cancellation: to race a call that takes no AbortSignal. */
export function untilCancelled(): Promise<never> {
  return new Promise((_resolve, reject) => onCancel(reject));
}

/** `promise`, or RunCancelledError as soon as the run is cancelled (the call itself is left to the exit). */
export function raceCancellation<T>(promise: Promise<T>): Promise<T> {
  throwIfCancelled();
  const cancelled = untilCancelled();
  cancelled.catch(() => undefined);
  return Promise.race([promise, cancelled]);
}

/** A sleep that ends early, with RunCancelledError, when the run is cancelled. */
export function cancellableSleep(ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (controller.signal.aborted) return reject(controller.signal.reason);
    const timer = setTimeout(() => {
      unregister();
      resolve();
    }, ms);
    const unregister = onCancel((reason) => {
      clearTimeout(timer);
      reject(reason);
    });
  });
}

/** `runSignal` and a timeout together, for one HTTP request. */
export function requestSignal(timeoutMs: number): AbortSignal {
  return AbortSignal.any([runSignal, AbortSignal.timeout(timeoutMs)]);
}
