import { type ChildProcess, spawn } from 'node:child_process';
import { redact } from '../report/redact.js';
import { formatSeconds, inGroup, log } from '../report/log.js';
import { cancellation, isCancelled, onCancel, remainingMs, TOOL_GRACE_MS } from '../run/cancel.js';

/**
 * The one way this action runs helm, kubectl and docker: the command line and its output are
 * redacted, timed and logged (in a collapsible group when asked), and a failure carries the
 * redacted tail of stderr. It also carries the run's cancellation (src/run/cancel.ts): a cancelled
 * run starts no new process, and each running one gets SIGINT (the runner signals node alone),
 * then SIGKILL after its grace, and its caller gets RunCancelledError.
 */
export interface ToolRunOptions {
  /** Title of a collapsible log group for this call; without it the output is logged inline. */
  group?: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Sent to the process's stdin (for passwords: never on the command line). */
  stdin?: string;
  /** Exit codes that are answers, not failures (kubectl diff exits 1 on a difference). */
  acceptExitCodes?: number[];
  /** Keep stdout out of the log (it is still returned): for JSON the caller parses. */
  quietStdout?: boolean;
  /**
   * Return stdout unredacted (never logged: implies quietStdout). Only for reading objects whose
   * content the caller compares, such as an existing Secret's data.
   */
  rawStdout?: boolean;
  /** Stop the process (SIGTERM, then SIGKILL) after this long and throw ToolTimeoutError. */
  timeoutMs?: number;
  /**
   * After the run was cancelled, run anyway, bounded by the time left before the action must end:
   * for cleanup that must still reach the cluster (the release state for the summary, a lock).
   */
  evenIfCancelled?: boolean;
  /** How long the process may take to end after the SIGINT of a cancel before it is killed. */
  cancelGraceMs?: number;
}

export interface ToolRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export class ToolError extends Error {
  constructor(
    readonly tool: string,
    readonly exitCode: number,
    readonly stderr: string,
    readonly commandLine: string,
  ) {
    super(`${commandLine} failed with exit code ${exitCode}${stderr ? `: ${lastLines(stderr, 20)}` : ''}`);
    this.name = 'ToolError';
  }
}

/** The process was stopped because it ran past `timeoutMs`. */
export class ToolTimeoutError extends Error {
  constructor(
    readonly tool: string,
    readonly timeoutMs: number,
    readonly stderr: string,
    readonly commandLine: string,
  ) {
    super(`${commandLine} was stopped after ${formatSeconds(timeoutMs)}${stderr ? `; its last output: ${lastLines(stderr, 5)}` : ''}`);
    this.name = 'ToolTimeoutError';
  }
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** The last line a tool printed: usually its error, without the usage text before it. */
export function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export async function runTool(toolPath: string, args: string[], options: ToolRunOptions = {}): Promise<ToolRunResult> {
  const toolName = toolPath.split(/[\\/]/).pop() ?? toolPath;
  const commandLine = redact([toolName, ...args].map(quoteArg).join(' '));
  if (isCancelled() && !options.evenIfCancelled) throw cancellation()!;
  const body = async (): Promise<ToolRunResult> => {
    log.info(`$ ${commandLine}`);
    const started = performance.now();
    const cancelledBefore = isCancelled();
    const output = await collect(toolPath, toolName, args, cancelledBefore ? { ...options, timeoutMs: Math.min(options.timeoutMs ?? Infinity, remainingMs()) } : options);
    const durationMs = performance.now() - started;
    const stdout = options.rawStdout ? output.stdout : redact(output.stdout);
    const stderr = redact(output.stderr);
    if (!options.quietStdout && !options.rawStdout && stdout.trim()) log.info(stdout.trimEnd());
    // Output kept out of the log for its caller to parse has no caller when the process failed or
    // was stopped: what it said then (helm's "Release … has been cancelled") belongs in the log.
    const failed = output.stoppedByCancel || output.timedOut || ![0, ...(options.acceptExitCodes ?? [])].includes(output.exitCode);
    if (options.rawStdout && failed && output.stdout.trim()) log.info(lastLines(redact(output.stdout), 50));
    if (stderr.trim()) log.info(stderr.trimEnd());
    log.info(`  (${toolName} exited ${output.exitCode} after ${formatSeconds(durationMs)}${output.stoppedByCancel ? ', stopped by the cancel' : ''})`);
    // Whatever it answered, a process the cancel stopped has no answer its caller should act on.
    if (output.stoppedByCancel) throw cancellation()!;
    if (output.timedOut) throw new ToolTimeoutError(toolName, options.timeoutMs!, stderr, commandLine);
    const accepted = [0, ...(options.acceptExitCodes ?? [])];
    if (!accepted.includes(output.exitCode)) throw new ToolError(toolName, output.exitCode, stderr, commandLine);
    return { exitCode: output.exitCode, stdout, stderr, durationMs };
  };
  return options.group ? inGroup(options.group, body) : body();
}

/** Grace between SIGTERM and SIGKILL for a process stopped at its timeout. */
const KILL_GRACE_MS = 5000;

/**
 * Passes the run's cancel on to `child`: SIGINT, as a terminal's Ctrl-C would (helm marks its
 * release failed and rolls back on it), then SIGKILL after `graceMs`. Returns the unregistering
 * function, to call once the child has ended.
 */
function forwardCancel(child: ChildProcess, graceMs: number, onStopped: () => void): () => void {
  let killer: NodeJS.Timeout | undefined;
  const unregister = onCancel(() => {
    onStopped();
    child.kill('SIGINT');
    killer = setTimeout(() => child.kill('SIGKILL'), Math.min(graceMs, remainingMs()));
  });
  return () => {
    unregister();
    clearTimeout(killer);
  };
}

/** Runs the process to its end (or its timeout), collecting stdout and stderr. */
function collect(
  toolPath: string,
  toolName: string,
  args: string[],
  options: ToolRunOptions,
): Promise<{ exitCode: number; stdout: string; stderr: string; timedOut: boolean; stoppedByCancel: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(toolPath, args, { cwd: options.cwd, env: options.env ? { ...process.env, ...options.env } : process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
            killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
          }, options.timeoutMs);
    let stoppedByCancel = false;
    // A cleanup call started after the cancel is bounded by its timeout, not stopped by the cancel.
    const stopForwarding = isCancelled() ? () => undefined : forwardCancel(child, options.cancelGraceMs ?? TOOL_GRACE_MS, () => (stoppedByCancel = true));
    const settle = () => {
      clearTimeout(timer);
      clearTimeout(killer);
      stopForwarding();
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      settle();
      reject(error.code === 'ENOENT' ? new Error(`${toolName} was not found: ${toolPath} does not exist, or is not on PATH`) : error);
    });
    child.on('close', (code, signal) => {
      settle();
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), timedOut, stoppedByCancel });
    });
    // A process that exits without reading its stdin closes the pipe: that is no error of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin);
  });
}

export interface StreamingTool {
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number>;
  stop(): void;
}

/**
 * A long-running call (kubectl get --watch): stdout is handed over chunk by chunk as it arrives,
 * stderr is kept for the caller's error message. Logged like any other call.
 */
export function startTool(toolPath: string, args: string[], onStdout: (chunk: string) => void, options: { env?: Record<string, string> } = {}): StreamingTool & { stderr: () => string } {
  if (isCancelled()) throw cancellation()!;
  const toolName = toolPath.split(/[\\/]/).pop() ?? toolPath;
  log.info(`$ ${redact([toolName, ...args].map(quoteArg).join(' '))} (in the background)`);
  const child = spawn(toolPath, args, { env: options.env ? { ...process.env, ...options.env } : process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', onStdout);
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stopForwarding = forwardCancel(child, TOOL_GRACE_MS, () => undefined);
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  }).finally(stopForwarding);
  return { exited, stop: () => child.kill('SIGTERM'), stderr: () => redact(stderr) };
}
