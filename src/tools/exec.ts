import { spawn } from 'node:child_process';
import { redact } from '../report/redact.js';
import { formatSeconds, inGroup, log } from '../report/log.js';

/**
 * The one way this action runs helm, kubectl and docker: the command line and its output are
 * redacted, timed and logged (in a collapsible group when asked), and a failure carries the
 * redacted tail of stderr.
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

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export async function runTool(toolPath: string, args: string[], options: ToolRunOptions = {}): Promise<ToolRunResult> {
  const toolName = toolPath.split(/[\\/]/).pop() ?? toolPath;
  const commandLine = redact([toolName, ...args].map(quoteArg).join(' '));
  const body = async (): Promise<ToolRunResult> => {
    log.info(`$ ${commandLine}`);
    const started = performance.now();
    const output = await collect(toolPath, toolName, args, options);
    const durationMs = performance.now() - started;
    const stdout = options.rawStdout ? output.stdout : redact(output.stdout);
    const stderr = redact(output.stderr);
    if (!options.quietStdout && !options.rawStdout && stdout.trim()) log.info(stdout.trimEnd());
    if (stderr.trim()) log.info(stderr.trimEnd());
    log.info(`  (${toolName} exited ${output.exitCode} after ${formatSeconds(durationMs)})`);
    if (output.timedOut) throw new ToolTimeoutError(toolName, options.timeoutMs!, stderr, commandLine);
    const accepted = [0, ...(options.acceptExitCodes ?? [])];
    if (!accepted.includes(output.exitCode)) throw new ToolError(toolName, output.exitCode, stderr, commandLine);
    return { exitCode: output.exitCode, stdout, stderr, durationMs };
  };
  return options.group ? inGroup(options.group, body) : body();
}

/** Grace between SIGTERM and SIGKILL for a process stopped at its timeout. */
const KILL_GRACE_MS = 5000;

/** Runs the process to its end (or its timeout), collecting stdout and stderr. */
function collect(toolPath: string, toolName: string, args: string[], options: ToolRunOptions): Promise<{ exitCode: number; stdout: string; stderr: string; timedOut: boolean }> {
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
    const settle = () => {
      clearTimeout(timer);
      clearTimeout(killer);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      settle();
      reject(error.code === 'ENOENT' ? new Error(`${toolName} was not found: ${toolPath} does not exist, or is not on PATH`) : error);
    });
    child.on('close', (code, signal) => {
      settle();
      resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), timedOut });
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
  const toolName = toolPath.split(/[\\/]/).pop() ?? toolPath;
  log.info(`$ ${redact([toolName, ...args].map(quoteArg).join(' '))} (in the background)`);
  const child = spawn(toolPath, args, { env: options.env ? { ...process.env, ...options.env } : process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', onStdout);
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
  return { exited, stop: () => child.kill('SIGTERM'), stderr: () => redact(stderr) };
}
