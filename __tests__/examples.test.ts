import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { INPUTS } from '../src/inputs/definitions.js';
import { projectRoot } from './support/run-action.js';

interface Step {
  id?: string;
  if?: string;
  uses?: string;
  with?: Record<string, unknown>;
}

function jobsOf(file: string): Record<string, { steps: Step[] }> {
  return (yaml.load(readFileSync(join(projectRoot, file), 'utf8')) as { jobs: Record<string, { steps: Step[] }> }).jobs;
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

  it('every example that runs mode: diff uploads its diff-file (the full report) as an artifact', () => {
    const diffSteps = workflows.flatMap((file) =>
      Object.values(jobsOf(file)).flatMap((job) =>
        job.steps.filter((step) => step.uses?.startsWith('org/harbor-tke-action@') && step.with?.mode === 'diff').map((step) => ({ file, step, job })),
      ),
    );
    expect(diffSteps.map((d) => d.file)).toEqual(expect.arrayContaining(['examples/drift.yml', 'examples/pr-diff.yml']));
    for (const { file, step, job } of diffSteps) {
      const uploads = job.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@') && s.with?.path === `\${{ steps.${step.id}.outputs.diff-file }}`);
      expect(uploads, `${file}: step ${step.id}`).toHaveLength(1);
    }
  });

  it('the PR diff falls back to mode: render for forks, which get no secrets', () => {
    const steps = Object.values(jobsOf('examples/pr-diff.yml')).flatMap((job) => job.steps);
    const render = steps.find((step) => step.with?.mode === 'render');
    expect(render?.if).toBe("env.FORK == 'true'");
    expect(Object.values(render?.with ?? {}).filter((value) => String(value).includes('secrets.'))).toEqual([]);
    expect(steps.find((step) => step.with?.mode === 'diff')?.if).toBe("env.FORK == 'false'");
  });

  it('actions from outside GitHub\'s own are pinned to a full commit', () => {
    const unpinned = workflows.flatMap((file) =>
      Object.values(jobsOf(file))
        .flatMap((job) => job.steps)
        .map((step) => step.uses ?? '')
        .filter((uses) => uses.includes('@') && !uses.startsWith('actions/') && !uses.startsWith('org/harbor-tke-action@') && !/@[0-9a-f]{40}$/.test(uses))
        .map((uses) => `${file}: ${uses}`),
    );
    expect(unpinned).toEqual([]);
  });

  it('the local-runner input files declare only known inputs', () => {
    for (const file of readdirSync(join(projectRoot, 'examples', 'inputs'))) {
      const inputs = yaml.load(readFileSync(join(projectRoot, 'examples', 'inputs', file), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(inputs).filter((name) => !declared.has(name))).toEqual([]);
    }
  });
});
