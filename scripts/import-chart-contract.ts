// Refreshes src/values/chart-paths.json from the published Harbor charts (the newest patch of
// every supported minor, from ../shared/fixtures/harbor-charts or https://helm.goharbor.io): for
// each, every .Values path its templates read. The action ships this list to write only keys a
// chart reads, and to warn about override paths a chart would silently ignore.
import { writeFileSync } from 'node:fs';
import { chartPackage, publishedCharts, SUPPORTED_CHARTS } from '../__tests__/support/harbor-charts.js';
import { contractOfPackage } from './chart-contract/derive.js';

const { origin } = await publishedCharts();
const contract: Record<string, string[]> = {};
for (const version of SUPPORTED_CHARTS) contract[version] = contractOfPackage(await chartPackage(version));
writeFileSync(new URL('../src/values/chart-paths.json', import.meta.url), `${JSON.stringify(contract, null, 0).replace(/\],/g, '],\n')}\n`);
console.log(`chart contract from ${origin}: ${Object.keys(contract).join(', ')}`);
