import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChangeReport, ObjectChange } from '../drift/changes.js';
import type { DriftReport } from '../drift/detect.js';
import { setOutput } from './outputs.js';
import { redact } from './redact.js';
import { SUMMARY_LIMIT, type SummaryBuilder } from './summary.js';

/**
 * The change report as people read it: a summary block first (versions, what restarts and why,
 * objects by kind, Secrets that change, live edits a deploy undoes), then one unified diff per
 * object. The job summary (and so a PR comment made from it) carries as many whole diffs as fit;
 * the `diff-file` output always has all of them.
 */

/** Names listed in the summary block before "and N more": the block must always fit. */
const LIST_CAP = 12;

function capped(items: string[], cap = LIST_CAP): string[] {
  return items.length > cap ? [...items.slice(0, cap), `and ${items.length - cap} more (in the details)`] : items;
}

function versionLine(report: DriftReport): string {
  const v = report.versions;
  if (report.release === 'absent') return `Harbor ${v.toHarbor ?? '(version unknown)'} (chart ${v.toChart}), to be installed`;
  const harbor = v.fromHarbor && v.toHarbor && v.fromHarbor !== v.toHarbor ? `Harbor ${v.fromHarbor} → ${v.toHarbor}` : `Harbor ${v.toHarbor ?? v.fromHarbor ?? '(version unknown)'}, unchanged`;
  const chart = v.fromChart && v.fromChart !== v.toChart ? `chart ${v.fromChart} → ${v.toChart}` : `chart ${v.toChart}, unchanged`;
  return `${harbor} (${chart})`;
}

function countsByKind(objects: ObjectChange[]): string {
  const counts = new Map<string, number>();
  for (const object of objects) counts.set(object.kind, (counts.get(object.kind) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
}

function objectCounts(changes: ChangeReport): string {
  const part = (change: ObjectChange['change'][], word: string) => {
    const objects = changes.objects.filter((o) => change.includes(o.change));
    return objects.length === 0 ? `none ${word}` : `${objects.length} ${word} (${countsByKind(objects)})`;
  };
  return [part(['changed'], 'changed'), part(['added', 'recreated'], 'added'), part(['removed'], 'removed')].join(' · ');
}

function secretLine(changes: ChangeReport): string {
  if (changes.secrets.length === 0) return 'none';
  const words: Record<string, string> = { added: 'added', removed: 'removed', recreated: 're-created' };
  const what = (s: ChangeReport['secrets'][number]) => (s.change === 'changed' ? s.keys.join(', ') : words[s.change]!);
  return capped(changes.secrets.map((s) => `\`${s.name}\`${what(s) ? ` (${what(s)})` : ''}`)).join(', ') + ' (values never shown)';
}

interface Block {
  heading: string;
  versions: string;
  restarts: Array<{ component: string; restarts: boolean; why: string }>;
  lines: Array<[string, string | string[]]>;
}

function summaryBlock(report: DriftReport, heading: string): Block {
  const changes = report.changes;
  const block: Block = { heading, versions: versionLine(report), restarts: [], lines: [] };
  if (report.release === 'absent') {
    block.lines.push(['Release', 'The release does not exist yet: a deploy installs it, and every component starts']);
    return block;
  }
  if (!changes) return block;
  if (report.status && report.status !== 'deployed') block.lines.push(['Release', `revision ${report.revision} is ${report.status}: a deploy upgrades it`]);
  const v = report.versions;
  if (v.fromHarbor && v.toHarbor && v.fromHarbor !== v.toHarbor) {
    // A reviewer must learn this before approving: the migration is what makes the change one-way.
    block.lines.push([
      'Database',
      `Harbor core migrates the database schema on its first start with ${v.toHarbor}, and ${v.fromHarbor} cannot run on the migrated schema: ` +
        'going back needs a database backup taken before this deploy, and rollback-on-failure does not apply to this deploy',
    ]);
  }
  block.restarts = changes.components.map((c) => ({ component: c.component, restarts: c.restarts, why: c.reasons.join('; ') }));
  block.lines.push(['Objects', objectCounts(changes)]);
  block.lines.push(['Secrets that change', secretLine(changes)]);
  block.lines.push(['Live edits a deploy undoes', changes.liveEdits.length === 0 ? 'none' : capped(changes.liveEdits)]);
  if (changes.staleReaders.length > 0) block.lines.push(['Changes that restart nothing', capped(changes.staleReaders)]);
  if (changes.values.changed > 0) block.lines.push(['Values', `${changes.values.changed} differ from \`helm get values\` (the values diff below)`]);
  if (changes.recordOnly.length > 0) {
    block.lines.push(['Helm record only', `${capped(changes.recordOnly).join(', ')}: the cluster already matches the declared objects, a deploy records a new revision`]);
  }
  return block;
}

function noRestart(block: Block): string {
  return block.restarts.some((r) => r.restarts) ? '' : 'No component restarts.';
}

/** The summary block as plain text: the head of the diff file. */
export function summaryText(report: DriftReport, heading: string): string {
  const block = summaryBlock(report, heading);
  const lines = [block.heading, `  ${block.versions}`];
  if (report.release === 'present') lines.push(`  Release: revision ${report.revision}, ${report.status}`);
  const restarting = block.restarts.filter((r) => r.restarts);
  const others = block.restarts.filter((r) => !r.restarts);
  if (restarting.length > 0) lines.push('  Restarts:', ...restarting.map((r) => `    ${r.component}: ${r.why}`));
  else if (report.release === 'present') lines.push(`  ${noRestart(block)}`);
  if (others.length > 0) lines.push('  Without a restart:', ...others.map((r) => `    ${r.component}: ${r.why}`));
  for (const [name, value] of block.lines) {
    if (Array.isArray(value)) lines.push(`  ${name}:`, ...value.map((item) => `    - ${item}`));
    else lines.push(`  ${name}: ${value}`);
  }
  return `${lines.join('\n')}\n`;
}

function addBlock(summary: SummaryBuilder, report: DriftReport, heading: string): void {
  const block = summaryBlock(report, heading);
  summary.heading(block.heading, 3).paragraph(`**${block.versions}**`);
  if (block.restarts.length > 0) summary.table(['component', 'restarts', 'why'], block.restarts.map((r) => [r.component, r.restarts ? '**yes**' : 'no', r.why]));
  const none = report.release === 'present' ? noRestart(block) : '';
  if (none) summary.paragraph(none);
  summary.list(block.lines.map(([name, value]) => (Array.isArray(value) ? `**${name}**:\n${value.map((item) => `  - ${item}`).join('\n')}` : `**${name}**: ${value}`)));
}

/** A fence longer than any backtick run in the text, so a diff line cannot close it. */
function fenced(language: string, text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text.trimEnd()}\n${fence}`;
}

function objectTitle(object: ObjectChange): string {
  const words: Record<ObjectChange['change'], string> = { changed: 'changed', added: 'added', removed: 'removed', recreated: 'deleted on the cluster, re-created' };
  return `${object.kind} ${object.name}: ${words[object.change]}`;
}

function detailed(changes: ChangeReport): { shown: ObjectChange[]; foldedOnly: ObjectChange[] } {
  return { shown: changes.objects.filter((o) => !o.foldedOnly && o.diff), foldedOnly: changes.objects.filter((o) => o.foldedOnly) };
}

/** The whole report as text: the `diff-file` output, never cut. */
export function changeReportText(report: DriftReport, heading: string): string {
  const out = [summaryText(report, heading)];
  const changes = report.changes;
  if (report.release === 'absent') return out.join('\n');
  if (!report.drifted || !changes) return `${out.join('\n')}\nNo drift.\n`;
  if (changes.folds.length > 0) out.push(`Folded, not repeated per object:\n${changes.folds.map((f) => `  - ${f}`).join('\n')}\n`);
  const { shown, foldedOnly } = detailed(changes);
  for (const object of shown) out.push(`--- ${objectTitle(object)}\n${object.diff}`);
  if (foldedOnly.length > 0) out.push(`Changed only as folded above: ${foldedOnly.map((o) => `${o.kind} ${o.name}`).join(', ')}\n`);
  if (changes.values.diff) out.push(`--- values (helm get values → declared)\n${changes.values.diff}`);
  return out.join('\n');
}

/**
 * Writes the full report (the `diff-file` output, secrets redacted) and puts the summary block and
 * as many per-object diffs as fit into the job summary.
 */
export function reportChanges(summary: SummaryBuilder, report: DriftReport, options: { heading: string; directory: string }): string {
  const file = join(options.directory, 'drift.txt');
  writeFileSync(file, redact(changeReportText(report, options.heading)), { mode: 0o600 });
  setOutput('diff-file', file);
  addBlock(summary, report, options.heading);
  const changes = report.changes;
  if (!changes || !report.drifted) return file;
  if (changes.folds.length > 0) summary.paragraph('Folded, not repeated per object:').list(changes.folds);
  const { shown, foldedOnly } = detailed(changes);
  const pieces = shown.map((object) => `<details><summary>${objectTitle(object)}</summary>\n\n${fenced('diff', object.diff)}\n\n</details>\n`);
  if (foldedOnly.length > 0) pieces.push(`Changed only as folded above: ${foldedOnly.map((o) => `${o.kind} \`${o.name}\``).join(', ')}\n`);
  if (changes.values.diff) pieces.push(`<details><summary>values: helm get values → declared</summary>\n\n${fenced('diff', changes.values.diff)}\n\n</details>\n`);
  summary.cuttable(
    pieces,
    (count, total) =>
      `**${count} of ${total} details left out** to keep this report under ${SUMMARY_LIMIT.toLocaleString('en-US')} characters (what a pull-request comment holds): the full report is the \`diff-file\` output, which the example workflows upload as an artifact.`,
  );
  return file;
}
