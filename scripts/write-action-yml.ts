// Writes action.yml from src/inputs/definitions.ts, the single list of the action's inputs and
// outputs. Run `npm run action-yml` after changing that list; a test fails while they differ.
import { writeFileSync } from 'node:fs';
import { renderActionYml } from '../src/inputs/action-yml.js';

writeFileSync(new URL('../action.yml', import.meta.url), renderActionYml());
console.log('action.yml written');
