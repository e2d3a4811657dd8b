import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

/**
 * Runs the committed bundle (dist/index.js, then dist/post.js) exactly as a GitHub runner does:
 * INPUT_ variables for every input declared in action.yml (defaults included), and the runner's
 * files for outputs, state and the job summary.
 */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ActionRun {
  exitCode: number;
  /** The signal that ended the main step, when one did (the runner's SIGKILL). */
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  state: Record<string, string>;
  runnerDir: string;
  runnerTemp: string;
  /** Everything the run wrote under RUNNER_TEMP, by path. */
  files(): Map<string, string>;
  post?: { exitCode: number; stdout: string; stderr: string };
}

export interface RunActionOptions {
  workspace?: string;
  env?: Record<string, string>;
  /** Run the post step too, with the state the main step saved. */
  post?: boolean;
  nodePath?: string;
  /** RUNNER_TOOL_CACHE to use (shared between runs of a test file); default: a new one per run. */
  toolCache?: string;
  /** The bundle to run (default: the project's dist/); the benchmark measures an older one too. */
  distDir?: string;
  /** Called once the main step's node process runs, with a view of its output so far (cancel.ts signals it). */
  onMainStarted?: (main: RunningStep) => void;
}

/** The main step while it runs. */
export interface RunningStep {
  process: ChildProcess;
  stdout(): string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** The runner's directories of this run (a process whose command line names them is the run's). */
  runnerDir: string;
}

export function parseRunnerFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) body.push(lines[i]!);
      result[heredoc[1]!] = body.join('\n');
    } else if (line.includes('=')) {
      result[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return result;
}

function spawnNode(
  nodePath: string,
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  onStarted?: (child: ChildProcess, stdout: () => string, exited: Promise<void>) => void,
): Promise<{ exitCode: number; stdout: string; stderr: string; signal?: NodeJS.Signals }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(nodePath, [script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    const exited = new Promise<void>((resolveExit) => child.on('exit', () => resolveExit()));
    child.on('close', (code, signal) => resolvePromise({ exitCode: code ?? 128, stdout, stderr, ...(signal ? { signal } : {}) }));
    onStarted?.(child, () => stdout, exited);
  });
}

function walk(directory: string, found = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) walk(path, found);
    else found.set(path, readFileSync(path, 'utf8'));
  }
  return found;
}

export async function runAction(inputs: Record<string, string>, options: RunActionOptions = {}): Promise<ActionRun> {
  const runnerDir = mkdtempSync(join(tmpdir(), 'action-run-'));
  const runnerTemp = join(runnerDir, 'temp');
  const toolCache = options.toolCache ?? join(runnerDir, 'tool-cache');
  mkdirSync(runnerTemp);
  mkdirSync(toolCache, { recursive: true });
  const files = { GITHUB_OUTPUT: join(runnerDir, 'output'), GITHUB_STATE: join(runnerDir, 'state'), GITHUB_STEP_SUMMARY: join(runnerDir, 'summary.md') };
  for (const file of Object.values(files)) writeFileSync(file, '');

  const declared = (yaml.load(readFileSync(join(projectRoot, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> }).inputs;
  for (const name of Object.keys(inputs)) if (!(name in declared)) throw new Error(`test passes undeclared input ${name}`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    // A home of its own: helm and kubectl keep caches there.
    HOME: runnerDir,
    ...files,
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    GITHUB_WORKSPACE: options.workspace ?? projectRoot,
    GITHUB_ACTIONS: 'true',
    ...options.env,
  };
  for (const [name, definition] of Object.entries(declared)) env[`INPUT_${name.toUpperCase()}`] = inputs[name] ?? definition.default ?? '';

  const nodePath = options.nodePath ?? process.execPath;
  const cwd = options.workspace ?? projectRoot;
  const dist = options.distDir ?? join(projectRoot, 'dist');
  const main = await spawnNode(nodePath, join(dist, 'index.js'), env, cwd, (child, stdout, exited) =>
    options.onMainStarted?.({ process: child, stdout, exited, runnerDir }),
  );
  const state = parseRunnerFile(readFileSync(files.GITHUB_STATE, 'utf8'));
  let post: ActionRun['post'];
  if (options.post) {
    const stateEnv = Object.fromEntries(Object.entries(state).map(([key, value]) => [`STATE_${key}`, value]));
    post = await spawnNode(nodePath, join(dist, 'post.js'), { ...env, ...stateEnv }, cwd);
  }
  return {
    ...main,
    outputs: parseRunnerFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    state,
    runnerDir,
    runnerTemp,
    files: () => walk(runnerTemp),
    post,
  };
}

/** The log as a user reads it: the runner consumes ::add-mask:: lines, they are never shown. */
export function visibleLog(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

/** Values registered with the runner's masker (::add-mask::). */
export function maskedValues(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) => line.slice('::add-mask::'.length));
}
