import { detectDrift } from '../drift/detect.js';
import type { ActionConfig } from '../inputs/config.js';
import type { InputProblem } from '../inputs/problems.js';
import { reachCluster } from '../kube/preflight.js';
import { reportChanges } from '../report/change-report.js';
import { setOutput } from '../report/outputs.js';
import { enterPhase, PHASE } from '../run/phase.js';
import { code, SummaryBuilder } from '../report/summary.js';
import { buildHarborValues } from '../values/generate.js';
import { openClusterSession } from './cluster-session.js';
import { actionWorkDir } from './workdir.js';

export class DriftFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DriftFoundError';
  }
}

/**
 * mode: diff, read-only: the declared Harbor against the release's values, its stored manifest and
 * the live objects, reported as what a deploy would change. Secrets are compared, never shown.
 */
export async function diffMode(config: ActionConfig, warnings: InputProblem[]): Promise<void> {
  const harbor = buildHarborValues(config);
  const directory = actionWorkDir(config.release);
  const session = await openClusterSession(config, harbor, directory);
  await reachCluster(session.kubectl);
  enterPhase(PHASE.diff);
  const report = await detectDrift(config, harbor, session, directory);
  setOutput('drifted', report.drifted);

  const { digest } = session;
  const title =
    report.release === 'absent' ? 'not installed yet' : report.drifted ? `drift found (revision ${report.revision}, ${report.status})` : `in sync (revision ${report.revision})`;
  const summary = new SummaryBuilder()
    .heading(`Harbor ${code(config.release)} in ${code(config.namespace)}: ${title}`)
    .paragraph(`Declared: chart ${code(`${config.chart.reference}@${config.chart.version}`)}, values digest ${code(digest)}.`);
  if (warnings.length > 0) summary.heading(`Warnings (${warnings.length})`, 3).list(warnings.map((w) => `**${w.input}**: ${w.message}`));
  const diffFile = reportChanges(summary, report, { heading: report.drifted ? 'What a deploy changes' : 'Nothing to change', directory });
  await summary.write(directory);
  if (report.drifted && config.deploy!.failOnDrift) {
    throw new DriftFoundError(`drift found (fail-on-drift): ${report.release === 'absent' ? 'the release is not installed' : `see ${diffFile} and the job summary`}`);
  }
}
