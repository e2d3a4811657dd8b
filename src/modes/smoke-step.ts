import { join } from 'node:path';
import type { SmokeSettings } from '../inputs/config.js';
import { log } from '../report/log.js';
import { setOutput } from '../report/outputs.js';
import { enterPhase, PHASE } from '../run/phase.js';
import { runSmokeTest, type SmokeTestResult } from '../smoke/index.js';

/** A measured COS lag stretches a default retry budget: each blob may wait out the lag once or twice. */
const BUDGET_PER_LAG = 30;

export function smokeBudgetMs(smoke: SmokeSettings, listLagMs?: number): number {
  if (!smoke.timeoutIsDefault || listLagMs === undefined) return smoke.timeoutMs;
  return Math.max(smoke.timeoutMs, BUDGET_PER_LAG * listLagMs);
}

/** Runs the smoke test and sets its outputs. */
export async function smokeTestStep(smoke: SmokeSettings, workDir: string, options: { listLagMs?: number; readRegistryLog?: () => Promise<string> } = {}): Promise<SmokeTestResult> {
  enterPhase(PHASE.smokeTest);
  const timeoutMs = smokeBudgetMs(smoke, options.listLagMs);
  if (timeoutMs > smoke.timeoutMs) log.info(`Smoke test budget ${Math.round(timeoutMs / 1000)} s: 30 × the measured COS list lag of ${options.listLagMs} ms`);
  const result = await runSmokeTest({
    registryUrl: smoke.registryUrl,
    externalUrl: smoke.externalUrl,
    repository: smoke.repository,
    username: smoke.username,
    password: smoke.password ?? '',
    passwordInput: smoke.passwordInput,
    timeoutMs,
    keep: smoke.keep,
    client: smoke.client,
    dockerPath: 'docker',
    workDir: join(workDir, 'smoke'),
    readRegistryLog: options.readRegistryLog,
  });
  setOutput('smoke-test-digest', result.digest);
  setOutput('smoke-test-attempts', result.attempts);
  setOutput('smoke-test-seconds', result.seconds.toFixed(1));
  return result;
}
