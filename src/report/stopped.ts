import * as core from '@actions/core';
import type { ReleaseRevision } from '../helm/helm.js';
import { cancellation, remainingMs } from '../run/cancel.js';
import { CRASH_REASON } from '../run/guard.js';
import { currentPhase, hasEntered, PHASE } from '../run/phase.js';
import { formatSeconds, log } from './log.js';
import { setOutput } from './outputs.js';
import { redact } from './redact.js';
import { code, SummaryBuilder } from './summary.js';

/**
 * The outputs and job summary of a run that was cancelled (or stopped by an unexpected error):
 * where it stopped, and the state it left the release in, read from helm after helm ended.
 */

/** How the release is read after the stop; set once the run has cluster access (openClusterSession). */
export interface ReleaseReader {
  release: string;
  namespace: string;
  history(options: { evenIfCancelled: true; timeoutMs: number }): Promise<ReleaseRevision[]>;
}

let reader: ReleaseReader | undefined;

export function readReleaseWhenStopped(releaseReader: ReleaseReader): void {
  reader = releaseReader;
}

export interface StoppedRun {
  mode: string;
  directory: string;
  /** deploy and diff: the release the run is about. */
  release?: string;
  namespace?: string;
}

/** What is known of the release after the stop. */
type ReleaseState = { kind: 'not read'; why: string } | { kind: 'absent' } | { kind: 'present'; latest: ReleaseRevision; history: ReleaseRevision[] };

/** The status read must leave time for the summary and the exit before the deadline. */
const READ_RESERVE_MS = 800;
const READ_TIMEOUT_MS = 4_000;

async function readState(): Promise<ReleaseState> {
  if (!reader) return { kind: 'not read', why: 'the run stopped before it had access to the cluster' };
  const timeoutMs = Math.min(READ_TIMEOUT_MS, remainingMs() - READ_RESERVE_MS);
  if (timeoutMs < 300) return { kind: 'not read', why: 'no time was left to read it' };
  try {
    const history = await reader.history({ evenIfCancelled: true, timeoutMs });
    const latest = history.at(-1);
    return latest ? { kind: 'present', latest, history } : { kind: 'absent' };
  } catch (error) {
    return { kind: 'not read', why: `helm history failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
}

function describeState(state: ReleaseState, release: string): string {
  switch (state.kind) {
    case 'not read':
      return `not read: ${state.why}`;
    case 'absent':
      return `release ${release} is not installed`;
    case 'present':
      return `revision ${state.latest.revision} is ${state.latest.status}${state.latest.description ? ` (${state.latest.description})` : ''}`;
  }
}

/** What the stop of a deploy means for the release and for the next run, by where it happened. */
function consequence(state: ReleaseState): string {
  const stuck = state.kind === 'present' && state.latest.status.startsWith('pending-');
  if (stuck) {
    return (
      `helm did not finish in the time a cancelled step has, and the release is left ${state.latest.status}: ` +
      'the next run stops with the cause (stuck-release: fail); run it with stuck-release: rollback to roll back and deploy.'
    );
  }
  if (!hasEntered(PHASE.helmUpgrade)) return 'helm had not started: the release is as it was before this run, and the next run deploys as usual.';
  if (currentPhase() !== PHASE.helmUpgrade) return `The deploy stands: helm had finished, and what was stopped (${currentPhase()}) does not change the release. The next run checks it again.`;
  if (state.kind === 'absent') return 'helm stopped the first install and removed it (rollback-on-failure): nothing of the release is left, and the next run installs it.';
  if (state.kind === 'present') {
    const rolledBack = /^Rollback to (\d+)/.exec(state.latest.description ?? '');
    if (state.latest.status === 'deployed' && rolledBack) return `helm stopped the upgrade and rolled back: revision ${state.latest.revision} runs what revision ${rolledBack[1]} ran. The next run upgrades again.`;
    if (state.latest.status === 'failed') return `helm stopped and marked revision ${state.latest.revision} failed (rollback-on-failure was off, so what it applied stays). The next run upgrades again.`;
  }
  return 'helm was stopped; the next run checks the release and deploys again.';
}

/** Sets the outputs, writes the summary and fails the step, for a run that was cancelled or crashed. */
export async function reportStopped(run: StoppedRun): Promise<void> {
  const reason = cancellation();
  const crashed = reason?.signal === CRASH_REASON;
  const phase = currentPhase();
  // Only a deploy changes the release; the other modes need not spend the time left reading it.
  const state = run.release && run.mode === 'deploy' ? await readState() : undefined;
  setOutput('cancelled', 'true');
  if (state?.kind === 'present') {
    setOutput('revision', state.latest.revision);
    setOutput('status', state.latest.status);
  }
  const what = crashed ? `stopped by an unexpected error during ${phase}` : `cancelled (${reason?.signal ?? 'signal'}) during ${phase}`;
  const releaseLine = run.release && state ? `Release ${run.release} in ${run.namespace}: ${describeState(state, run.release)}.` : '';
  const meaning = state ? consequence(state) : `mode ${run.mode} changes nothing on the cluster: ${run.release ? `release ${run.release} is as it was` : 'nothing to undo'}.`;
  const summary = new SummaryBuilder()
    .heading(run.release ? `Harbor ${code(run.release)} in ${code(run.namespace ?? '')}: ${what}` : `harbor-tke-action (${run.mode}): ${what}`)
    .paragraph([releaseLine, meaning].filter(Boolean).join(' '));
  if (state?.kind === 'present') {
    summary.heading('Latest revisions', 3).table(
      ['revision', 'status', 'chart', 'description'],
      state.history.slice(-3).map((r) => [String(r.revision), r.status, r.chart, r.description ?? '']),
    );
  }
  summary.paragraph('Everything the action started (helm, kubectl, docker, downloads) has ended; the post step removes the kubeconfig and the run\'s files.');
  try {
    await summary.write(run.directory);
  } catch (error) {
    log.warning(`Could not write the job summary of the stopped run: ${error instanceof Error ? error.message : String(error)}`);
  }
  const message = redact(`The run was ${what}. ${releaseLine} ${meaning}`.replace(/\s+/g, ' ').trim());
  // A crash has reported its one error already; here it only adds what the stop left.
  if (crashed) {
    log.info(message);
    process.exitCode = 1;
  } else core.setFailed(message);
  log.debug(`stopped-run report written with ${formatSeconds(remainingMs())} left`);
}
