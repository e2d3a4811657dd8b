// Writes action.yml and the README's input/output tables from src/inputs/definitions.ts, the single
// list of the action's inputs and outputs. Run `npm run action-yml` after changing that list; a test
// fails while they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderActionYml, renderReadmeTables } from '../src/inputs/action-yml.js';

writeFileSync(new URL('../action.yml', import.meta.url), renderActionYml());
const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, renderReadmeTables(readFileSync(readme, 'utf8')));
console.log('action.yml and README.md tables written');
