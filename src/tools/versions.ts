/**
 * What a `helm-version` / `kubectl-version` input may say, and how `latest` and `<N>.x` become an
 * exact version without the GitHub API: from the pointer files the mirrors publish.
 */
import { withV } from './platform.js';

export type VersionSpec =
  | { kind: 'exact'; version: string /* 'v4.1.4' */ }
  | { kind: 'latest' }
  | { kind: 'major'; major: number };

const EXACT = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;
const MAJOR_LINE = /^v?(\d+)\.[xX*]$/;

export function parseVersionSpec(value: string): VersionSpec | undefined {
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === 'latest') return { kind: 'latest' };
  if (EXACT.test(trimmed)) return { kind: 'exact', version: withV(trimmed) };
  const line = MAJOR_LINE.exec(trimmed);
  if (line) return { kind: 'major', major: Number(line[1]) };
  return undefined;
}

/**
 * For the inputs module, which collects every input error before anything runs. Returns the
 * message (naming the fix) or undefined when the value is usable.
 */
export function checkToolVersionSpec(value: string, inputName = 'the version input'): string | undefined {
  if (parseVersionSpec(value)) return undefined;
  const trimmed = value.trim();
  const shown = JSON.stringify(value);
  if (trimmed === '') return `${inputName} is empty: use an exact version such as v4.1.4, "latest", or a major line such as 4.x.`;
  const minorLine = /^v?(\d+)\.(\d+)(\.[xX*])?$/.exec(trimmed);
  if (minorLine) {
    const [, major, minor] = minorLine;
    return (
      `${inputName} ${shown} names a minor line, which the mirrors publish no pointer file for: ` +
      `use an exact version (e.g. v${major}.${minor}.0), "latest", or the major line ${major}.x.`
    );
  }
  if (/^v?\d+$/.test(trimmed)) {
    return `${inputName} ${shown} is ambiguous: write ${trimmed.replace(/^v/, '')}.x for the newest release of that major, or an exact version.`;
  }
  return `${inputName} ${shown} is not a version: use an exact version (v4.1.4 or 4.1.4), "latest", or a major line such as 4.x (ranges like ^4 or >=4 are not supported).`;
}

export function majorOf(version: string): number {
  const match = EXACT.exec(version.trim());
  if (!match) throw new Error(`not an exact version: ${JSON.stringify(version)}`);
  return Number(match[1]);
}

/** A pointer file holds one version on its first line, sometimes with a trailing newline or CR. */
export function parsePointerFile(body: string, url: string): string {
  const first = body.trim().split(/\s+/)[0] ?? '';
  if (!EXACT.test(first)) {
    throw new Error(`${url} should hold one version such as v4.1.4 but holds ${JSON.stringify(body.slice(0, 60))}: the mirror is not a copy of the official layout.`);
  }
  return withV(first);
}
