// npm run bench: every benchmark suite, one table, ratios against baselines measured in this run.
import { benchCancel, benchClosingMirror } from './cancel.js';
import { benchDeploy } from './deploy.js';
import { benchLock } from './lock.js';
import { benchLongLink } from './long-link.js';
import { benchPreflight } from './preflight.js';
import { benchRender } from './render.js';
import { benchSmoke } from './smoke.js';
import { benchTools } from './tools.js';
import type { BenchRow, BenchSuite } from './types.js';

const suites: Record<string, BenchSuite> = {
  render: benchRender,
  tools: benchTools,
  deploy: benchDeploy,
  'long-link': benchLongLink,
  preflight: benchPreflight,
  smoke: benchSmoke,
  cancel: benchCancel,
  'closing-mirror': benchClosingMirror,
  lock: benchLock,
};
const only = process.argv.slice(2);

function format(row: BenchRow): string[] {
  const ratio = row.baseline ? `${(row.value / row.baseline.value).toFixed(2)}×` : '';
  return [row.name, `${row.value} ${row.unit}`, row.baseline ? `${row.baseline.name}: ${row.baseline.value} ${row.unit}` : '', ratio, row.target ?? '', row.met === undefined ? '' : row.met ? 'met' : 'NOT met'];
}

const rows: string[][] = [];
for (const [name, suite] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  for (const row of await suite()) rows.push(format(row));
}
const header = ['measurement', 'value', 'baseline (same run)', 'ratio', 'target', ''];
console.log(`| ${header.join(' | ')} |`);
console.log(`| ${header.map(() => '---').join(' | ')} |`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
