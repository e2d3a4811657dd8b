import yaml from 'js-yaml';
import { INPUTS, OUTPUTS, type InputDefinition } from './definitions.js';

/** action.yml as the definitions describe it (scripts/write-action-yml.ts writes it). */
export function renderActionYml(): string {
  const inputs: Record<string, { description: string; required: boolean; default?: string }> = {};
  for (const input of INPUTS as readonly InputDefinition[]) {
    inputs[input.name] = { description: input.description, required: input.required === true, ...(input.default !== undefined ? { default: input.default } : {}) };
  }
  const outputs = Object.fromEntries(OUTPUTS.map((output) => [output.name, { description: output.description }]));
  const document = {
    name: 'Harbor on TKE',
    description: 'Deploy and keep healthy a self-hosted Harbor registry on Tencent Kubernetes Engine, with images in Tencent COS.',
    author: 'harbor-tke-action',
    branding: { icon: 'anchor', color: 'blue' },
    inputs,
    outputs,
    runs: { using: 'node24', main: 'dist/index.js', post: 'dist/post.js' },
  };
  return `# Generated from src/inputs/definitions.ts by \`npm run action-yml\`: edit that file, not this one.\n${yaml.dump(document, { lineWidth: 120, noRefs: true, quotingType: '"' })}`;
}
