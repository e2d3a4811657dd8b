import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectDrift, driftText } from '../drift/detect.js';
import type { ActionConfig } from '../inputs/config.js';
import type { InputProblem } from '../inputs/problems.js';
import { reachCluster } from '../kube/preflight.js';
import { setOutput } from '../report/outputs.js';
import { enterPhase, PHASE } from '../run/phase.js';
import { redact } from '../report/redact.js';
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
 * the live objects. Secrets are compared, never shown.
 */
export async function diffMode(config: ActionConfig, warnings: InputProblem[]): Promise<void> {
  const harbor = buildHarborValues(config);
  const directory = actionWorkDir(config.release);
  const session = await openClusterSession(config, harbor, directory);
  await reachCluster(session.kubectl);
  enterPhase(PHASE.diff);
  const report = await detectDrift(config, harbor, session, directory);
  const text = redact(driftText(report));
  const diffFile = join(directory, 'drift.txt');
  writeFileSync(diffFile, text, { mode: 0o600 });
  setOutput('drifted', report.drifted);
  setOutput('diff-file', diffFile);

  const { digest } = session;
  const title =
    report.release === 'absent' ? 'not installed yet' : report.drifted ? `drift found (revision ${report.revision}, ${report.status})` : `in sync (revision ${report.revision})`;
  const summary = new SummaryBuilder()
    .heading(`Harbor ${code(config.release)} in ${code(config.namespace)}: ${title}`)
    .paragraph(`Declared: chart ${code(`${config.chart.reference}@${config.chart.version}`)}, values digest ${code(digest)}.`);
  if (warnings.length > 0) summary.heading(`Warnings (${warnings.length})`, 3).list(warnings.map((w) => `**${w.input}**: ${w.message}`));
  if (report.release === 'absent') summary.paragraph(`Release ${code(config.release)} does not exist in ${code(config.namespace)}: a deploy installs it.`);
  else {
    const counts = [
      `${report.values.length} value(s) differ from \`helm get values\``,
      `${report.manifest.length} object(s) differ from \`helm get manifest\``,
      `${report.live.length} live object(s) differ from the declared manifests`,
      `${report.secrets.length} Secret(s) made from inputs differ`,
    ];
    summary.list(counts);
    for (const object of [...report.live, ...report.manifest]) {
      if (object.differences.length > 0 || object.change !== 'changed') summary.codeBlock('text', [`${object.object}: ${object.change}`, ...object.differences].join('\n'), `${object.object}: ${object.change}`);
    }
    if (report.values.length > 0) summary.codeBlock('text', report.values.join('\n'), 'values');
    if (report.secrets.length > 0) summary.list(report.secrets);
  }
  await summary.write(directory);
  if (report.drifted && config.deploy!.failOnDrift) {
    throw new DriftFoundError(`drift found (fail-on-drift): ${report.release === 'absent' ? 'the release is not installed' : `see ${diffFile} and the job summary`}`);
  }
}
