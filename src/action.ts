import * as core from '@actions/core';
import type { ActionConfig } from './inputs/config.js';
import { formatInvalidInputs, type InputProblem } from './inputs/problems.js';
import { readInputs, type InputSource, runnerInputs } from './inputs/read.js';
import { validateInputs } from './inputs/validate.js';
import { deployMode } from './modes/deploy.js';
import { diffMode } from './modes/diff.js';
import { renderMode } from './modes/render.js';
import { standaloneMode } from './modes/standalone.js';
import { actionWorkDir } from './modes/workdir.js';

const DNS_SAFE = /^[a-z0-9][a-z0-9.-]{0,52}$/;
import { log } from './report/log.js';
import { redact } from './report/redact.js';
import { reportStopped, type StoppedRun } from './report/stopped.js';
import { SummaryBuilder } from './report/summary.js';
import { isCancelled } from './run/cancel.js';

/**
 * The action from inputs to outputs: validate everything first, then run the mode asked for. A run
 * cancelled (or stopped by an unexpected error) ends with the cancelled outputs and summary.
 */
export async function runAction(source: InputSource = runnerInputs): Promise<void> {
  let stopped: StoppedRun | undefined;
  try {
    const raw = readInputs(source);
    const { config, standalone, problems } = validateInputs(raw, { workspace: process.env.GITHUB_WORKSPACE || process.cwd(), env: process.env });
    for (const warning of problems.warnings) log.warning(warning.message, warning.input);
    if (problems.errors.length > 0 || !(config || standalone)) {
      await reportInvalidInputs(problems.errors, problems.warnings, actionWorkDir(DNS_SAFE.test(raw.release) ? raw.release : 'invalid-inputs'));
      return;
    }
    if (standalone) {
      stopped = { mode: standalone.mode, directory: actionWorkDir(standalone.mode) };
      await standaloneMode(standalone);
    } else {
      stopped = { mode: config!.mode, directory: actionWorkDir(config!.release), release: config!.release, namespace: config!.namespace };
      await runMode(config!, problems.warnings);
    }
  } catch (error) {
    if (!isCancelled()) core.setFailed(redact(error instanceof Error ? error.message : String(error)));
  }
  // Also when the mode finished while the cancel was handled: the step still ends cancelled.
  if (isCancelled()) await reportStopped(stopped ?? { mode: 'inputs', directory: actionWorkDir('invalid-inputs') });
}

async function runMode(config: ActionConfig, warnings: InputProblem[]): Promise<void> {
  switch (config.mode) {
    case 'render':
      await renderMode(config, warnings);
      return;
    case 'deploy':
      await deployMode(config, warnings);
      return;
    case 'diff':
      await diffMode(config, warnings);
      return;
  }
}

async function reportInvalidInputs(errors: InputProblem[], warnings: InputProblem[], directory: string): Promise<void> {
  const message = formatInvalidInputs(errors);
  core.setFailed(redact(message));
  const summary = new SummaryBuilder().heading('harbor-tke-action: the inputs need fixing').paragraph('Nothing was done: no cluster was contacted.').list(errors.map((e) => `**${e.input}**: ${e.message}`));
  if (warnings.length > 0) summary.heading('Warnings', 3).list(warnings.map((w) => `**${w.input}**: ${w.message}`));
  await summary.write(directory);
}
