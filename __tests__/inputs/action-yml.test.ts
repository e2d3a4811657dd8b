import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderActionYml, renderReadmeTables } from '../../src/inputs/action-yml.js';
import { INPUTS, OUTPUTS } from '../../src/inputs/definitions.js';
import { projectRoot } from '../support/run-action.js';

describe('the public interface', () => {
  it('action.yml is what src/inputs/definitions.ts declares (npm run action-yml)', () => {
    expect(readFileSync(join(projectRoot, 'action.yml'), 'utf8')).toBe(renderActionYml());
  });

  it('runs on node24 with a post step', () => {
    expect(renderActionYml()).toMatch(/runs:\n {2}using: node24\n {2}main: dist\/index\.js\n {2}post: dist\/post\.js/);
  });

  it('the README documents every input and output in its tables', () => {
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
    expect(readme).toBe(renderReadmeTables(readme));
    const documented = new Set([...readme.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]));
    expect([...INPUTS, ...OUTPUTS].map((i) => i.name).filter((name) => !documented.has(name))).toEqual([]);
  });
});
