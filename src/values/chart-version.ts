/** Harbor chart versions: the oldest this action supports and comparisons between versions. */

export const OLDEST_SUPPORTED_CHART = '1.12.0';
export const NEWEST_KNOWN_CHART = '1.19.1';

export interface ChartVersion {
  major: number;
  minor: number;
  patch: number;
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+][0-9A-Za-z.-]+)?$/;

export function parseChartVersion(text: string): ChartVersion | undefined {
  const match = SEMVER.exec(text.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

export function compareChartVersions(a: string, b: string): number {
  const left = parseChartVersion(a);
  const right = parseChartVersion(b);
  if (!left || !right) throw new Error(`not a chart version: ${left ? b : a}`);
  return left.major - right.major || left.minor - right.minor || left.patch - right.patch;
}

export function isSupportedChartVersion(version: string): boolean {
  return compareChartVersions(version, OLDEST_SUPPORTED_CHART) >= 0;
}
