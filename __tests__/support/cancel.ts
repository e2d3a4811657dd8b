import { readdirSync, readFileSync } from 'node:fs';
import { runAction, type ActionRun, type RunActionOptions, type RunningStep } from './run-action.js';

/**
 * Cancels a run of the bundle the way a GitHub runner does (actions/runner, ProcessInvoker's
 * CancelAndKillProcessTree on a cancelled step): SIGINT to the action's node process only, not to
 * its process group; SIGTERM 7.5 s later if it still runs; SIGKILL 2.5 s after that. The post step
 * runs afterwards, as it does for a cancelled job (post-if defaults to always()). The timings are
 * actions/runner's (src/Runner.Sdk/ProcessInvoker.cs: SIGINT, 7.5 s, SIGTERM, 2.5 s, kill).
 */
export const RUNNER_SIGTERM_AFTER_MS = 7_500;
export const RUNNER_SIGKILL_AFTER_MS = 2_500;

export interface CancelPlan {
  /** When to cancel: polled every 25 ms with the main step's output so far. */
  when: (stdout: string) => boolean | Promise<boolean>;
  /** A second SIGINT (a second press of Cancel) as soon as this holds for the output after the first. */
  secondSignalWhen?: (stdout: string) => boolean;
  /**
   * Instead of the runner's SIGINT, do this at that moment (inject a fault); the runner's deadline
   * still applies: SIGTERM and SIGKILL follow at 7.5 s and 10 s if the step has not ended.
   */
  instead?: () => void;
  /** Give up waiting for `when` after this long (the run is then cancelled anyway, and the test sees `triggered: false`). */
  waitAtMostMs?: number;
}

export interface CancelledRun extends ActionRun {
  /** Whether `when` said yes before the run ended or the wait ran out. */
  triggered: boolean;
  /** Signals sent, in order, with ms since the first SIGINT. */
  signals: { signal: NodeJS.Signals; atMs: number }[];
  /** From the first SIGINT (or `instead`) to the exit of the main step's process. */
  endedAfterMs?: number;
  /** Processes still alive after the main step ended whose command line names this run's directories. */
  leftProcesses: string[];
}

/** Runs the action, cancels it as `plan` says (or does what `plan.instead` does), then runs the post step. */
export async function runActionAndCancel(inputs: Record<string, string>, plan: CancelPlan, options: RunActionOptions = {}): Promise<CancelledRun> {
  const signals: CancelledRun['signals'] = [];
  let triggered = false;
  let endedAfterMs: number | undefined;
  let leftProcesses: string[] = [];
  let cancelling: Promise<void> | undefined;
  const run = await runAction(inputs, {
    ...options,
    post: true,
    onMainStarted: (main) => {
      cancelling = cancelAsRunner(main, plan).then((outcome) => {
        ({ triggered, endedAfterMs } = outcome);
        signals.push(...outcome.signals);
        leftProcesses = processesNaming(main.runnerDir, main.process.pid!);
      });
    },
  });
  await cancelling;
  return { ...run, triggered, signals, endedAfterMs, leftProcesses };
}

async function cancelAsRunner(main: RunningStep, plan: CancelPlan): Promise<{ triggered: boolean; endedAfterMs?: number; signals: CancelledRun['signals'] }> {
  let exited = false;
  void main.exited.then(() => (exited = true));
  const waitUntil = performance.now() + (plan.waitAtMostMs ?? 120_000);
  let triggered = false;
  while (!exited && performance.now() < waitUntil) {
    if (await plan.when(main.stdout())) {
      triggered = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (exited) return { triggered, signals: [] };
  const pid = main.process.pid!;
  const started = performance.now();
  const signals: CancelledRun['signals'] = [];
  const send = (signal: NodeJS.Signals) => {
    if (exited) return;
    signals.push({ signal, atMs: Math.round(performance.now() - started) });
    // process.kill(pid), not -pid: the runner signals the node process alone, not its group.
    process.kill(pid, signal);
  };
  if (plan.instead) plan.instead();
  else send('SIGINT');
  const second = plan.secondSignalWhen;
  const secondPoll = second
    ? setInterval(() => {
        if (!second(main.stdout())) return;
        clearInterval(secondPoll);
        send('SIGINT');
      }, 10)
    : undefined;
  const timers = [
    setTimeout(() => send('SIGTERM'), RUNNER_SIGTERM_AFTER_MS),
    setTimeout(() => send('SIGKILL'), RUNNER_SIGTERM_AFTER_MS + RUNNER_SIGKILL_AFTER_MS),
  ];
  await main.exited;
  const endedAfterMs = Math.round(performance.now() - started);
  for (const timer of timers) clearTimeout(timer);
  clearInterval(secondPoll);
  return { triggered, endedAfterMs, signals };
}

/**
 * Live processes (other than `exclude`) whose command line names `directory`: helm and kubectl
 * get the run's kubeconfig (under RUNNER_TEMP) on theirs, docker its DOCKER_CONFIG.
 */
export function processesNaming(directory: string, exclude: number): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === exclude || Number(entry) === process.pid) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      // A zombie has ended; its parent has not reaped it yet.
      if (/\) Z /.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) continue;
    } catch {
      continue;
    }
    if (commandLine.includes(directory)) found.push(`${entry}: ${commandLine.slice(0, 200)}`);
  }
  return found;
}
