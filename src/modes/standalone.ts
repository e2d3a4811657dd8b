import type { StandaloneConfig } from '../inputs/config.js';
import { code, SummaryBuilder } from '../report/summary.js';
import { isCancelled } from '../run/cancel.js';
import { checkCosBucket } from './storage-check.js';
import { smokeTestStep } from './smoke-step.js';
import { actionWorkDir } from './workdir.js';

/** mode: smoke (a scheduled health probe of a running Harbor) and mode: preflight (the COS check alone). */
export async function standaloneMode(config: StandaloneConfig): Promise<void> {
  const directory = actionWorkDir(config.mode);
  if (config.mode === 'smoke') {
    const summary = new SummaryBuilder().heading(`Harbor smoke test: ${config.smoke.registryUrl}`);
    try {
      const result = await smokeTestStep(config.smoke, directory);
      summary.paragraph(`Pushed and read back ${code(`${config.smoke.repository}@${result.digest}`)} in ${result.seconds.toFixed(1)} s with ${result.attempts} attempts (${config.smoke.client} client)${result.cleanedUp ? '; removed again' : ''}.`);
    } catch (error) {
      if (isCancelled()) throw error;
      summary.paragraph(`Failed: ${error instanceof Error ? error.message : String(error)}`);
      await summary.write(directory);
      throw error;
    }
    await summary.write(directory);
    return;
  }
  const result = await checkCosBucket(config.cos);
  await new SummaryBuilder()
    .heading(`COS preflight: ${config.cos.bucket}`)
    .table(['step', 'time', ''], result.steps.map((step) => [step.name, `${step.ms} ms`, step.ok ? 'ok' : 'failed']))
    .paragraph(`List-after-write lag: ${result.listLagMs} ms; multipart upload listing lag: ${result.uploadListLagMs} ms.`)
    .write(directory);
}
