import * as core from '@actions/core';
import { formatSeconds, log } from '../report/log.js';
import { redact } from '../report/redact.js';
import { CANCEL_DEADLINE_MS, cancellation, cancelRun, remainingMs } from './cancel.js';
import { currentPhase } from './phase.js';

/** The reason a crash cancels the run with: the modes unwind as for a signal, but it is no user's cancel. */
export const CRASH_REASON = 'an unexpected error';

let crashed = false;

/**
 * Installed first by each entry point: SIGINT and SIGTERM cancel the run (see cancel.ts) instead of
 * killing node and orphaning helm; an error nothing caught ends the run with one readable error
 * instead of a stack trace. Either way a watchdog ends the process before the runner's SIGTERM.
 */
export function guardRun(): void {
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('uncaughtException', (error) => onUnexpected(error));
  process.on('unhandledRejection', (reason) => onUnexpected(reason));
}

/** Whether the run ended in onUnexpected's error (it has reported it). */
export function hasCrashed(): boolean {
  return crashed;
}

function onSignal(signal: NodeJS.Signals): void {
  if (cancelRun(signal)) {
    log.warning(`Cancelled (${signal}) during ${currentPhase()}: stopping what the action started; it ends within ${formatSeconds(CANCEL_DEADLINE_MS)}.`, 'Run cancelled');
    startWatchdog();
  } else {
    // The runner's SIGTERM, or a second Cancel: the first signal is being handled already, and
    // helm ignores a second one too (it has its own handler).
    log.info(`${signal} again while stopping (${cancellation()?.signal} came first): the run ends within ${formatSeconds(remainingMs())}.`);
  }
}

function onUnexpected(error: unknown): void {
  process.exitCode = 1;
  if (crashed) {
    log.debug(`a further unexpected error: ${describe(error)}`);
    return;
  }
  crashed = true;
  // One line: an assertion's message spans several.
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  core.error(
    redact(
      `harbor-tke-action stopped on an unexpected error during ${currentPhase()}: ${message}. ` +
        'This is a fault of the action or of a component it uses, not of your inputs: re-run the job. ' +
        'Whatever helm, kubectl or docker was doing was stopped as for a cancelled run; the job summary names the state the release was left in. ' +
        'If it happens again, open an issue with the log of a run with ACTIONS_STEP_DEBUG=true (it has the stack trace).',
    ),
  );
  log.debug(`stack of the unexpected error: ${describe(error)}`);
  if (cancelRun(CRASH_REASON)) startWatchdog();
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * The last resort: whatever did not end by the deadline (an await no signal reaches) must not
 * outlive the runner's SIGKILL with its children. Children got their signals and grace from the
 * exec wrapper already; this only ends node.
 */
function startWatchdog(): void {
  setTimeout(() => {
    log.error(`harbor-tke-action had not ended ${formatSeconds(CANCEL_DEADLINE_MS)} after it was stopped (during ${currentPhase()}): exiting now.`);
    process.exit(1);
  }, CANCEL_DEADLINE_MS).unref();
}
