import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/drift/unified-diff.js';

/**
 * The change report's per-object diffs are unified diffs: GNU patch, which reads the format
 * strictly (hunk line counts, context), must turn the live text into the declared one with them.
 */
const scratch = mkdtempSync(join(tmpdir(), 'unified-diff-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function applyWithPatch(before: string, diff: string): string {
  const original = join(scratch, 'before.yaml');
  const patched = join(scratch, 'after.yaml');
  const patchFile = join(scratch, 'change.diff');
  writeFileSync(original, before);
  writeFileSync(patchFile, `--- before.yaml\n+++ after.yaml\n${diff}`);
  execFileSync('patch', ['--quiet', '--force', '-o', patched, original, patchFile]);
  return readFileSync(patched, 'utf8');
}

const lines = (count: number, prefix = 'line') => Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}\n`).join('');

const CASES: Array<[string, string, string]> = [
  ['one changed line in the middle', lines(20), lines(20).replace('line 10\n', 'line ten\n')],
  ['two changes far apart: two hunks', lines(40), lines(40).replace('line 3\n', 'line three\n').replace('line 35\n', 'line thirty-five\n')],
  ['two changes close together: one hunk', lines(40), lines(40).replace('line 10\n', 'x\n').replace('line 14\n', 'y\n')],
  ['lines added at the start and the end', lines(10), `first\n${lines(10)}last\n`],
  ['lines removed', lines(12), lines(12).replace('line 4\nline 5\n', '')],
  ['everything new', '', lines(5)],
  ['everything gone', lines(5), ''],
  ['a block rewritten', lines(30), lines(30).replace(/line 1[0-9]\n/g, (l) => l.toUpperCase())],
];

describe('unified diff', () => {
  it.each(CASES)('%s: GNU patch applies it and gets the declared text', (_name, before, after) => {
    const diff = unifiedDiff(before, after);
    expect(diff).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@\n/);
    expect(applyWithPatch(before, diff)).toBe(after);
  });

  it('shows three lines of context around a change, and nothing for equal texts', () => {
    const diff = unifiedDiff(lines(20), lines(20).replace('line 10\n', 'line ten\n'));
    expect(diff).toBe('@@ -7,7 +7,7 @@\n line 7\n line 8\n line 9\n-line 10\n+line ten\n line 11\n line 12\n line 13\n');
    expect(unifiedDiff(lines(5), lines(5))).toBe('');
  });
});
