import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { INPUTS } from '../../src/inputs/definitions.js';
import { projectRoot } from '../support/run-action.js';

/** `npm run demo` hands these files to bin/local-run.js, which stops at an input action.yml does not declare. */
const demoDirectory = join(projectRoot, 'scripts', 'demo');
const inputFiles = readdirSync(demoDirectory).filter((file) => file.endsWith('.yml'));
const declared = new Set<string>(INPUTS.map((input) => input.name));

describe('the demo inputs files', () => {
  it('exist for render and deploy', () => {
    expect(inputFiles).toEqual(expect.arrayContaining(['render.yml', 'deploy.yml']));
  });

  it.each(inputFiles)('%s uses only declared inputs, with the mode it is named after', (file) => {
    const inputs = yaml.load(readFileSync(join(demoDirectory, file), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(inputs).filter((name) => !declared.has(name))).toEqual([]);
    expect(inputs.mode).toBe(file.replace(/\.yml$/, ''));
  });
});
