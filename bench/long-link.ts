import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realBinaries } from '../__tests__/support/binaries.js';
import { startDeployEnvironment, type DeployEnvironment } from '../__tests__/support/deploy-environment.js';
import type { KubeSim } from '../__tests__/support/kube-sim/index.js';
import { runAction, type ActionRun } from '../__tests__/support/run-action.js';
import type { BenchRow, BenchSuite } from './types.js';

/**
 * The action across a long link: kube-sim behind a relay that adds a round trip to every request
 * (0 and 150 ms), the published chart 1.19.1, Helm 4. Each job of the action is measured side by
 * side with bare helm doing the same on the same simulated cluster (release `registry` in
 * namespace `bare`, the same values, chart and Secrets), and the API requests each makes are
 * counted from the simulator's journal. The fastest of two runs counts, as for helm.
 */
const LATENCIES = [0, 150];
const RUNS = 2;

interface Measured {
  ms: number;
  requests: number;
}

async function timed(sim: KubeSim, work: () => Promise<unknown>): Promise<Measured> {
  const before = sim.journal.length;
  const started = performance.now();
  await work();
  return { ms: Math.round(performance.now() - started), requests: sim.journal.length - before };
}

function fastest(runs: Measured[]): Measured {
  return runs.reduce((best, run) => (run.ms < best.ms ? run : best));
}

function helm(args: string[], kubeconfig: string, home: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(realBinaries().helm4, [...args, '--kubeconfig', kubeconfig], {
      env: { PATH: process.env.PATH, HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`helm ${args.join(' ')}: ${stderr}`))));
  });
}

function succeeded(run: ActionRun): ActionRun {
  if (run.exitCode !== 0) throw new Error(`the action failed: ${run.stdout.split('\n').filter((l) => l.startsWith('::error')).join('\n')}`);
  return run;
}

async function measureAt(environment: DeployEnvironment, latencyMs: number): Promise<BenchRow[]> {
  const { sim, kubeconfig, kubeconfigFile } = await environment.cluster({ latencyMs, tls: true, token: 'bench-token' });
  const home = mkdtempSync(join(tmpdir(), 'bench-long-link-'));
  const inputs = (extra: Record<string, string> = {}) => environment.inputs(kubeconfig, { 'cfs-server': '', 'cfs-path': '', 'helm-version': 'v4.1.4', ...extra });
  const action = (extra: Record<string, string> = {}) => runAction(inputs(extra), { toolCache: environment.toolCache }).then(succeeded);

  // Tools into the cache first: bare helm downloads nothing either.
  await action({ mode: 'render' });
  const render = await timed(sim, () => action({ mode: 'render' }));

  const install = await timed(sim, () => action());
  // Bare helm gets what the action gave helm: the pulled chart, the values, the Secrets they name.
  const rendered = succeeded(await runAction(inputs({ mode: 'render', namespace: 'bare' }), { toolCache: environment.toolCache }));
  const chartDir = join(rendered.runnerTemp, 'harbor-tke-action', 'registry', 'chart');
  const chart = join(chartDir, readdirSync(chartDir)[0]!);
  const values = readFileSync(rendered.outputs['values-file']!, 'utf8');
  sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bare' } });
  for (const secret of sim.list('v1', 'Secret', 'registry').filter((s) => s.metadata.name?.startsWith('registry-harbor-tke-'))) {
    sim.put({ ...secret, metadata: { name: secret.metadata.name, namespace: 'bare' } });
  }
  const valuesFile = join(home, 'values.yaml');
  const changedValuesFile = join(home, 'values-changed.yaml');
  writeFileSync(valuesFile, values);
  writeFileSync(changedValuesFile, values.replace(/replicas: 1\b/g, 'replicas: 2'));
  const bare = (file: string) => helm(['upgrade', '--install', 'registry', chart, '-n', 'bare', '-f', file, '--wait=watcher', '--server-side=auto', '--timeout', '300s'], kubeconfigFile, home);
  const bareInstall = await timed(sim, () => bare(valuesFile));

  const upgrades: Measured[] = [];
  const bareUpgrades: Measured[] = [];
  const inSync: Measured[] = [];
  const diffs: Measured[] = [];
  for (let run = 0; run < RUNS; run++) {
    const replicas = run % 2 === 0 ? '2' : '1';
    upgrades.push(await timed(sim, () => action({ replicas })));
    bareUpgrades.push(await timed(sim, () => bare(run % 2 === 0 ? changedValuesFile : valuesFile)));
    inSync.push(await timed(sim, () => action({ replicas }).then((r) => r.outputs['in-sync'] === 'true' || Promise.reject(new Error('not in sync')))));
    diffs.push(await timed(sim, () => action({ replicas, mode: 'diff' })));
  }
  await sim.close();

  const upgrade = fastest(upgrades);
  const bareUpgrade = fastest(bareUpgrades);
  const link = `${latencyMs} ms link`;
  const within = (value: number, base: number) => value <= Math.max(base * 1.2, base + 2000);
  return [
    { name: `${link}: first install (${install.requests} API requests; bare helm ${bareInstall.requests})`, value: install.ms, unit: 'ms', baseline: { name: 'bare helm install', value: bareInstall.ms }, ...(latencyMs ? { target: '≤ 1.2× or +2 s', met: within(install.ms, bareInstall.ms) } : {}) },
    { name: `${link}: upgrade with one change (${upgrade.requests} API requests; bare helm ${bareUpgrade.requests})`, value: upgrade.ms, unit: 'ms', baseline: { name: 'bare helm upgrade', value: bareUpgrade.ms }, ...(latencyMs ? { target: '≤ 1.2× or +2 s', met: within(upgrade.ms, bareUpgrade.ms) } : {}) },
    { name: `${link}: in-sync re-deploy (${fastest(inSync).requests} API requests)`, value: fastest(inSync).ms, unit: 'ms', baseline: { name: 'bare helm upgrade', value: bareUpgrade.ms }, ...(latencyMs ? { target: '≤ 0.5×', met: fastest(inSync).ms <= bareUpgrade.ms / 2 } : {}) },
    { name: `${link}: diff (${fastest(diffs).requests} API requests)`, value: fastest(diffs).ms, unit: 'ms', baseline: { name: 'bare helm upgrade', value: bareUpgrade.ms }, ...(latencyMs ? { target: '≤ 0.5×', met: fastest(diffs).ms <= bareUpgrade.ms / 2 } : {}) },
    { name: `${link}: render (API requests: ${render.requests})`, value: render.ms, unit: 'ms', ...(latencyMs ? { target: 'no API request', met: render.requests === 0 } : {}) },
  ];
}

export const benchLongLink: BenchSuite = async () => {
  const environment = await startDeployEnvironment();
  try {
    const rows: BenchRow[] = [];
    for (const latency of LATENCIES) rows.push(...(await measureAt(environment, latency)));
    return rows;
  } finally {
    await environment.close();
  }
};
