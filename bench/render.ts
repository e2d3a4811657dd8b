import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBinaryMirror, startChartRepository } from '../__tests__/support/chart-repo.js';
import { projectRoot } from '../__tests__/support/run-action.js';
import { seedInputs } from '../__tests__/support/seed.js';
import type { BenchRow, BenchSuite } from './types.js';

/** Median wall time of a command over several runs, in ms. */
function medianMs(runs: number, command: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    command();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Render mode through the bundle (a PR preview's whole cost on the runner), against the cost of
 * starting Node.js at all, measured in the same run.
 */
export const benchRender: BenchSuite = async () => {
  // helm and the chart from 127.0.0.1, helm already in the tool cache: the action's own cost.
  const binaries = await startBinaryMirror();
  const charts = await startChartRepository();
  try {
    return await measureRender(binaries.url, charts.url);
  } finally {
    await binaries.close();
    await charts.close();
  }
};

async function measureRender(mirror: string, chartRepo: string): Promise<BenchRow[]> {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'bench-render-'));
  const output = join(runnerTemp, 'output');
  const summary = join(runnerTemp, 'summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: runnerTemp,
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: join(runnerTemp, 'tool-cache'),
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_WORKSPACE: projectRoot,
  };
  for (const [name, value] of Object.entries({ ...seedInputs, 'helm-mirror': mirror, 'chart-repo': chartRepo })) env[`INPUT_${name.toUpperCase()}`] = value;
  // The first run installs helm into the tool cache; the measured ones find it there.
  await runOnce(env);
  const bareNode = medianMs(7, () => spawnSync(process.execPath, ['-e', ''], { env }));
  const renders: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    await runOnce(env);
    renders.push(performance.now() - started);
  }
  renders.sort((a, b) => a - b);
  const render = renders[3]!;
  const starts: number[] = [];
  for (let i = 0; i < 7; i++) starts.push(await firstLineMs(env));
  starts.sort((a, b) => a - b);
  const rows: BenchRow[] = [
    { name: 'render mode, seed configuration, with helm template (dist/index.js, whole process, helm cached)', value: Math.round(render), unit: 'ms', baseline: { name: 'node -e "" (process start)', value: Math.round(bareNode) } },
    { name: 'cold start: process start to first log line (dist/index.js)', value: Math.round(starts[3]!), unit: 'ms', baseline: { name: 'node -e "" (process start)', value: Math.round(bareNode) } },
    { name: 'bundle size, dist/index.js (what every run loads)', value: statSync(join(projectRoot, 'dist', 'index.js')).size, unit: 'bytes', baseline: { name: 'an action that only logs with @actions/core, bundled the same way', value: minimalBundleSize() } },
    { name: 'bundle size, dist/index.js and the chunks it loads on demand (the TKE SDK, with tke-cluster-id)', value: mainBundleWithChunks(), unit: 'bytes' },
  ];
  return rows;
}

function mainBundleWithChunks(): number {
  const dist = join(projectRoot, 'dist');
  return readdirSync(dist)
    .filter((file) => file === 'index.js' || /^\d+\.index\.js$/.test(file))
    .reduce((total, file) => total + statSync(join(dist, file)).size, 0);
}

/** One render through the bundle (asynchronously: this process serves helm and the chart). */
function runOnce(env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'dist', 'index.js')], { env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`render failed with exit code ${code}`))));
  });
}

/** ms from spawning the bundle to its first line on stdout. */
function firstLineMs(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(projectRoot, 'dist', 'index.js')], { env });
    let seen = false;
    child.stdout.on('data', () => {
      if (!seen) {
        seen = true;
        resolve(performance.now() - started);
      }
    });
    child.on('error', reject);
    child.on('close', () => !seen && reject(new Error('no output')));
  });
}

/** The same ncc build of the smallest action there is: what any bundled action costs. */
function minimalBundleSize(): number {
  const directory = mkdtempSync(join(projectRoot, 'node_modules', '.bench-minimal-'));
  try {
    writeFileSync(join(directory, 'main.ts'), "import * as core from '@actions/core';\ncore.info('hello');\n");
    execFileSync(join(projectRoot, 'node_modules', '.bin', 'ncc'), ['build', join(directory, 'main.ts'), '-o', join(directory, 'out'), '--quiet'], { cwd: projectRoot });
    return statSync(join(directory, 'out', 'index.js')).size;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
