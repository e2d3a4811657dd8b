/**
 * Cancellation and connection-closing-mirror figures (issue 15), through the bundle as a runner
 * runs it:
 * - for each phase a run can be cancelled in (support/cancel-scenarios.ts), under Helm 4 and 3:
 *   the time from the runner's SIGINT to the end of the action's process, and the release state
 *   it left (the runner sends SIGTERM at 7.5 s);
 * - helm installs in a row from a real `python3 -m http.server` (HTTP/1.0: it closes the
 *   connection after each body), a new tool cache each, under Node 24 and Node 20.
 * BENCH_DIST=<folder> measures another bundle (e.g. an older dist/) for the installs;
 * BENCH_INSTALLS=<n> sets how many (default 12).
 */
import { rmSync } from 'node:fs';
import { hostNode, packagedNode } from '../__tests__/e2e/runtimes.js';
import { releaseState, runScenario, startCancelWorld, type ScenarioName } from '../__tests__/support/cancel-scenarios.js';
import { RUNNER_SIGTERM_AFTER_MS } from '../__tests__/support/cancel.js';
import { startChartRepository } from '../__tests__/support/chart-repo.js';
import { HELM_VERSIONS } from '../__tests__/support/deploy-environment.js';
import { startPythonHttpServer } from '../__tests__/support/python-http-server.js';
import { runAction } from '../__tests__/support/run-action.js';
import { seedInputs } from '../__tests__/support/seed.js';
import { mirrorLayout } from '../__tests__/support/tool-mirror/layout.js';
import type { BenchRow, BenchSuite } from './types.js';

const SCENARIOS: ScenarioName[] = ['before helm', 'helm upgrade (install)', 'helm upgrade (upgrade)', 'readiness wait', 'smoke test', 'diff'];

export const benchCancel: BenchSuite = async () => {
  const world = await startCancelWorld();
  // The runtime action.yml names (runs.using: node24).
  const node24 = packagedNode();
  const rows: BenchRow[] = [];
  try {
    for (const [helmName, helmVersion] of HELM_VERSIONS) {
      for (const scenario of SCENARIOS) {
        const { sim, run } = await runScenario(world, scenario, helmVersion, node24.path);
        const state = releaseState(sim);
        const left = state ? `revision ${state.revision} ${state.status}` : 'not installed';
        const ended = run.endedAfterMs ?? NaN;
        rows.push({
          name: `cancel during ${scenario}, ${helmName}, Node ${node24.major}: SIGINT to end (left: ${left}; exit ${run.exitCode}${run.leftProcesses.length ? `; ${run.leftProcesses.length} processes left` : ''})`,
          value: ended,
          unit: 'ms',
          target: `< ${RUNNER_SIGTERM_AFTER_MS} ms (the runner's SIGTERM)`,
          met: run.triggered && ended < RUNNER_SIGTERM_AFTER_MS && run.leftProcesses.length === 0,
        });
        rmSync(run.runnerDir, { recursive: true, force: true });
      }
    }
  } finally {
    await world.close();
  }
  return rows;
};

export const benchClosingMirror: BenchSuite = async () => {
  const installs = Number(process.env.BENCH_INSTALLS ?? 12);
  const distDir = process.env.BENCH_DIST;
  const [python, charts] = await Promise.all([startPythonHttpServer(mirrorLayout().root), startChartRepository()]);
  const rows: BenchRow[] = [];
  try {
    for (const runtime of [packagedNode(), hostNode(20)]) {
      let installed = 0;
      let crashed = 0;
      for (let i = 0; i < installs; i++) {
        const run = await runAction({ ...seedInputs, mode: 'render', 'helm-mirror': python.url, 'chart-repo': charts.url }, { nodePath: runtime.path, distDir });
        if (run.exitCode === 0 && /helm v4\.1\.4: sha256 [0-9a-f]{64} matches/.test(run.stdout)) installed++;
        if (/AssertionError/.test(run.stdout + run.stderr)) crashed++;
        rmSync(run.runnerDir, { recursive: true, force: true });
      }
      rows.push({
        name: `helm installs from python3 -m http.server, Node ${runtime.version}${distDir ? ` (bundle ${distDir})` : ''}; ${crashed} crashed with undici's AssertionError`,
        value: installed,
        unit: 'count',
        target: `${installs} of ${installs}`,
        met: installed === installs,
      });
    }
  } finally {
    await python.close();
    await charts.close();
  }
  return rows;
};
