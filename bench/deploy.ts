import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBinaryMirror, startChartRepository } from '../__tests__/support/chart-repo.js';
import { startKubeSim, type KubeSim } from '../__tests__/support/kube-sim/index.js';
import { projectRoot } from '../__tests__/support/run-action.js';
import { seedInputs } from '../__tests__/support/seed.js';
import type { BenchRow, BenchSuite } from './types.js';

const COMPONENTS = ['core', 'jobservice', 'registry', 'portal', 'nginx'];

/** When every Harbor Deployment in the simulator first reports Available=True (polled in-process). */
function lastAvailable(sim: KubeSim, started: number): Promise<number> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const all = COMPONENTS.every((c) => {
        const deployment = sim.get('apps/v1', 'Deployment', 'registry', `registry-harbor-${c}`) as { status?: { conditions?: { type: string; status: string }[] } } | undefined;
        return deployment?.status?.conditions?.some((condition) => condition.type === 'Available' && condition.status === 'True');
      });
      if (all) {
        clearInterval(timer);
        resolve(performance.now() - started);
      }
    }, 5);
  });
}

/**
 * A fresh deploy through the bundle; the time each log line arrives is taken as it streams in.
 * Returns when the action reported the last component ready and when helm --wait returned,
 * both relative to the moment the simulator had every Deployment Available.
 */
async function measure(helmVersion: string, mirror: string, charts: string, toolCache: string): Promise<{ action: number; helm: number }> {
  const sim = await startKubeSim({ podReadyDelayMs: 1500 });
  const runner = mkdtempSync(join(tmpdir(), 'bench-deploy-'));
  const kubeconfig = readFileSync(sim.writeKubeconfig(runner), 'utf8');
  const files = { GITHUB_OUTPUT: join(runner, 'output'), GITHUB_STATE: join(runner, 'state'), GITHUB_STEP_SUMMARY: join(runner, 'summary') };
  for (const file of Object.values(files)) writeFileSync(file, '');
  mkdirSync(join(runner, 'temp'));
  const inputs: Record<string, string> = {
    ...seedInputs,
    mode: 'deploy',
    kubeconfig,
    'helm-version': helmVersion,
    'helm-mirror': mirror,
    'kubectl-mirror': mirror,
    'chart-repo': charts,
    'storage-preflight': 'false',
    'smoke-test': 'false',
    'cfs-server': '',
    'cfs-path': '',
  };
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: runner, ...files, RUNNER_TEMP: join(runner, 'temp'), RUNNER_TOOL_CACHE: toolCache, GITHUB_WORKSPACE: projectRoot };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;

  const started = performance.now();
  let actionReady = 0;
  let helmReturned = 0;
  let seen = 0;
  const available = lastAvailable(sim, started);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'dist', 'index.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (/^✓ \w+ ready after/.test(line) && ++seen === COMPONENTS.length) actionReady = performance.now() - started;
        if (/\(helm exited 0 after/.test(line) && helmReturned === 0 && seen > 0) helmReturned = performance.now() - started;
      }
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`deploy failed with exit code ${code}`))));
  });
  const availableAt = await available;
  await sim.close();
  return { action: actionReady - availableAt, helm: helmReturned - availableAt };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Readiness detection latency: the action's watch against helm --wait alone, in the same runs. */
export const benchDeploy: BenchSuite = async () => {
  const mirror = await startBinaryMirror();
  const charts = await startChartRepository();
  const toolCache = mkdtempSync(join(tmpdir(), 'bench-deploy-tools-'));
  const rows: BenchRow[] = [];
  try {
    for (const [name, version] of [
      ['Helm 4', 'v4.1.4'],
      ['Helm 3', '3.x'],
    ] as const) {
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await measure(version, mirror.url, charts.url, toolCache));
      const action = Math.round(median(runs.map((r) => r.action)));
      const helm = Math.round(median(runs.map((r) => r.helm)));
      rows.push({
        name: `readiness detection latency, ${name} (last Deployment Available → action reports it; median of 3)`,
        value: action,
        unit: 'ms',
        baseline: { name: `${name} --wait returns`, value: helm },
        target: 'under 500 ms',
        met: action < 500,
      });
    }
  } finally {
    await mirror.close();
    await charts.close();
  }
  return rows;
};
