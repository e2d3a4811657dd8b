import { describe, expect, it } from 'vitest';
import { buildHarborValues } from '../../src/values/generate.js';
import { mergeValues, parseSetLines, setAssignmentsToValues } from '../../src/values/overrides.js';
import { validate } from '../support/inputs.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('overrides', () => {
  it('parses set lines with Helm typing, escaped dots and list indexes', () => {
    const { assignments, errors } = parseSetLines('core.replicas=2\ntrivy.enabled=true\ncore.podAnnotations.prometheus\\.io/scrape=true\nimagePullSecrets[0].name=tcr\nexternalURL=https://a,b\ncore.secret=null\nregistry.relativeurls=0012');
    expect(errors).toEqual([]);
    expect(setAssignmentsToValues(assignments)).toEqual({
      core: { replicas: 2, podAnnotations: { 'prometheus.io/scrape': true }, secret: null },
      trivy: { enabled: true },
      imagePullSecrets: [{ name: 'tcr' }],
      externalURL: 'https://a,b',
      registry: { relativeurls: '0012' },
    });
  });

  it('merges like Helm: maps deep, lists replaced, null removes', () => {
    expect(mergeValues({ a: { b: 1, c: [1, 2], d: 'x' } }, { a: { c: [3], d: null, e: true } })).toEqual({ a: { b: 1, c: [3], e: true } });
  });

  it('applies generated < values-files < values < set, and records where each value came from', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'ws-'));
    writeFileSync(join(workspace, 'a.yaml'), 'core:\n  replicas: 2\n  podAnnotations: {team: a}\nportal:\n  replicas: 2\n');
    const { config } = validate(
      { mode: 'render', 'external-url': 'https://h.example.com', 'cos-region': 'ap-guangzhou', 'cos-bucket': 'h-1250000000', 'values-files': 'a.yaml', values: 'core:\n  replicas: 3\n', set: 'core.replicas=4\nmetrics.enabled=null' },
      workspace,
    );
    const harbor = buildHarborValues(config!);
    expect(harbor.values.core).toMatchObject({ replicas: 4, podAnnotations: { team: 'a' } });
    expect(harbor.values.portal).toEqual({ replicas: 2 });
    expect(harbor.values.metrics).toEqual({}); // null removed metrics.enabled: the chart default applies
    expect(harbor.provenance.get('core.replicas')).toBe('input set');
    expect(harbor.provenance.get('portal.replicas')).toBe('values-files: a.yaml');
    expect(harbor.provenance.get('externalURL')).toBe('input external-url');
  });
});
