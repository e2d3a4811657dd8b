import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildHarborValues } from '../../src/values/generate.js';
import { manifestsYaml, objectsDeployCreates, valuesYaml } from '../../src/values/render.js';
import { validate } from '../support/inputs.js';
import { seedInputs } from '../support/seed.js';

/**
 * The seed article's configuration, as a careful engineer would write it for chart 1.19.1. The
 * expected files were reviewed by eye; UPDATE_GOLDEN=1 rewrites them after a deliberate change.
 */
const golden = (name: string) => join(import.meta.dirname, 'golden', name);

function expectGolden(name: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden(name))) writeFileSync(golden(name), actual);
  expect(actual).toBe(readFileSync(golden(name), 'utf8'));
}

describe('golden values for the seed configuration', () => {
  const { config } = validate(seedInputs);
  if (!config) throw new Error('seed inputs must validate');
  const harbor = buildHarborValues(config);

  it('values for chart 1.19.1', () => {
    expectGolden('seed-1.19.1.values.yaml', valuesYaml(config, harbor.values));
  });

  it('objects deploy creates besides the chart (Secrets redacted, CFS volume, VirtualService)', () => {
    expectGolden('seed-1.19.1.objects.yaml', manifestsYaml(objectsDeployCreates(config, harbor)));
  });

  it('keeps every secret out of the values and the objects', () => {
    const text = valuesYaml(config, harbor.values) + manifestsYaml(objectsDeployCreates(config, harbor));
    for (const name of ['cos-secret-id', 'cos-secret-key', 'database-password', 'admin-password']) {
      expect(text).not.toContain(seedInputs[name]);
      expect(text).toContain(`<from input ${name}>`);
    }
  });
});
