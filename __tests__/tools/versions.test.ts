import { describe, expect, it } from 'vitest';
import { checkToolVersionSpec } from '../../src/tools/install.js';
import { parsePointerFile, parseVersionSpec } from '../../src/tools/versions.js';

describe('helm-version and kubectl-version values', () => {
  it.each([
    ['4.1.4', { kind: 'exact', version: 'v4.1.4' }],
    ['v4.1.4', { kind: 'exact', version: 'v4.1.4' }],
    [' v1.34.5 ', { kind: 'exact', version: 'v1.34.5' }],
    ['v4.0.0-rc.1', { kind: 'exact', version: 'v4.0.0-rc.1' }],
    ['latest', { kind: 'latest' }],
    ['Latest', { kind: 'latest' }],
    ['4.x', { kind: 'major', major: 4 }],
    ['v4.x', { kind: 'major', major: 4 }],
    ['3.X', { kind: 'major', major: 3 }],
  ])('%j is accepted', (value, spec) => {
    expect(parseVersionSpec(value)).toEqual(spec);
    expect(checkToolVersionSpec(value, 'helm-version')).toBeUndefined();
  });

  it.each([
    ['', 'helm-version is empty'],
    ['4.1', 'names a minor line'],
    ['4.1.x', 'use an exact version (e.g. v4.1.0), "latest", or the major line 4.x'],
    ['4', 'write 4.x for the newest release of that major'],
    ['^4.1.0', 'ranges like ^4 or >=4 are not supported'],
    ['stable', 'is not a version'],
  ])('%j is refused with a message naming the fix', (value, fragment) => {
    expect(parseVersionSpec(value)).toBeUndefined();
    expect(checkToolVersionSpec(value, 'helm-version')).toContain(fragment);
  });

  it('pointer files are read leniently (trailing newline, missing v) but must hold a version', () => {
    expect(parsePointerFile('v4.1.4\n', 'u')).toBe('v4.1.4');
    expect(parsePointerFile('1.34.5\r\n', 'u')).toBe('v1.34.5');
    expect(() => parsePointerFile('<html>Not here</html>', 'https://mirror/stable.txt')).toThrow(/stable.txt should hold one version/);
  });
});
