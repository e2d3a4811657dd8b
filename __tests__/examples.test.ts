import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { INPUTS } from '../src/inputs/definitions.js';
import { projectRoot } from './support/run-action.js';

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}

const workflows = [
  ...readdirSync(join(projectRoot, 'examples')).filter((f) => f.endsWith('.yml')).map((f) => join('examples', f)),
  ...readdirSync(join(projectRoot, '.github', 'workflows')).map((f) => join('.github', 'workflows', f)),
];
const declared = new Set<string>(INPUTS.map((input) => input.name));

function actionSteps(file: string): Step[] {
  const workflow = yaml.load(readFileSync(join(projectRoot, file), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
  return Object.values(workflow.jobs).flatMap((job) => job.steps).filter((step) => step.uses === './' || step.uses?.startsWith('org/harbor-tke-action@'));
}

describe('example workflows', () => {
  it.each(workflows)('%s uses only inputs that action.yml declares', (file) => {
    const steps = actionSteps(file);
    const used = steps.flatMap((step) => Object.keys(step.with ?? {}));
    expect(used.filter((name) => !declared.has(name))).toEqual([]);
  });

  it('the examples and the self-test use the action', () => {
    expect(workflows.filter((file) => actionSteps(file).length > 0)).toEqual(expect.arrayContaining(['examples/pr-preview.yml', '.github/workflows/self-test.yml']));
  });

  it('the local-runner input files declare only known inputs', () => {
    for (const file of readdirSync(join(projectRoot, 'examples', 'inputs'))) {
      const inputs = yaml.load(readFileSync(join(projectRoot, 'examples', 'inputs', file), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(inputs).filter((name) => !declared.has(name))).toEqual([]);
    }
  });
});
