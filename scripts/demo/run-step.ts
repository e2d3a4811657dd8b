import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Sandbox } from './sandbox.js';

export interface StepResult {
  exitCode: number;
  /** The job summary the run wrote (GITHUB_STEP_SUMMARY), as bin/local-run.js prints it: masked values hidden. */
  summary: string;
  seconds: number;
  /** Everything the run printed, summary included, as shown. */
  log: string;
}

const SUMMARY_BANNER = '── job summary';
const EXIT_BANNER = /^── exit code \d+/;

/**
 * Runs the built action on an inputs file (with `--set` overrides) through bin/local-run.js (main step, then post step,
 * as a runner does), streaming its log indented. The job summary local-run prints is held back
 * and returned: the demo prints every summary readably at the end. The run gets its own process group so that
 * stopping the sandbox also stops the action and the helm or kubectl it is running.
 */
export async function runStep(sandbox: Sandbox, root: string, inputsFile: string, env: NodeJS.ProcessEnv, overrides: Record<string, string> = {}): Promise<StepResult> {
  const started = Date.now();
  const sets = Object.entries(overrides).flatMap(([name, value]) => ['--set', `${name}=${value}`]);
  const child = spawn(process.execPath, [join(root, 'bin', 'local-run.js'), inputsFile, '--workspace', root, ...sets], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number>((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const forget = sandbox.track(`action run (${inputsFile})`, async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });

  const summaryLines: string[] = [];
  const shown: string[] = [];
  let inSummary = false;
  const show = (line: string, sink: NodeJS.WriteStream): void => {
    shown.push(line);
    if (line === SUMMARY_BANNER) return void (inSummary = true);
    if (EXIT_BANNER.test(line)) inSummary = false;
    else if (inSummary && sink === process.stdout) return void summaryLines.push(line);
    sink.write(`  ${line}\n`);
  };
  for (const [stream, sink] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) show(line, sink);
    });
    stream.on('end', () => buffered && show(buffered, sink));
  }

  const exitCode = await exited;
  forget();
  return { exitCode, summary: summaryLines.join('\n').trim(), seconds: (Date.now() - started) / 1000, log: shown.join('\n') };
}
