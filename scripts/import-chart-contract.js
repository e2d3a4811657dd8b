// Refreshes src/values/chart-paths.json from the chart contract fixtures in ../shared: for each
// chart version this action supports, every .Values path the chart's templates read. The action
// ships this list to warn about override paths a chart would silently ignore.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const fixtures = process.argv[2] ?? join('..', 'shared', 'fixtures', 'harbor-chart-values');
const oldestSupported = [1, 12, 0];
const versionOf = (file) => /^template-paths-(\d+\.\d+\.\d+)\.txt$/.exec(file)?.[1];
const atLeast = (version, floor) => {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (parts[i] !== floor[i]) return parts[i] > floor[i];
  return true;
};

const contract = {};
for (const file of readdirSync(fixtures).sort()) {
  const version = versionOf(file);
  if (!version || !atLeast(version, oldestSupported)) continue;
  contract[version] = readFileSync(join(fixtures, file), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
}
writeFileSync(new URL('../src/values/chart-paths.json', import.meta.url), `${JSON.stringify(contract, null, 0).replace(/\],/g, '],\n')}\n`);
console.log(`chart contract: ${Object.keys(contract).join(', ')}`);
