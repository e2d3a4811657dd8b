import chartPaths from './chart-paths.json' with { type: 'json' };
import { compareChartVersions } from './chart-version.js';

/**
 * Which value paths the Harbor chart's templates read, per chart version (from the chart's own
 * templates; scripts/import-chart-contract.js refreshes the data). Helm silently ignores a key no
 * template reads, which is how the seed article's jobservice claim went unused.
 */
export interface ChartContract {
  /** The chart version whose template paths are used. */
  version: string;
  /** True when that is the version asked for; else the nearest older known version stands in. */
  exact: boolean;
  paths: ReadonlySet<string>;
  /** Listed paths that have listed children: a key below them must itself be listed. */
  parents: ReadonlySet<string>;
}

const contracts = new Map<string, ChartContract>();

export function knownContractVersions(): string[] {
  return Object.keys(chartPaths).sort(compareChartVersions);
}

/** The contract for a chart version: its own when known, else the nearest older one. */
export function contractFor(version: string): ChartContract {
  const known = knownContractVersions();
  const chosen = [...known].reverse().find((v) => compareChartVersions(v, version) <= 0) ?? known[0]!;
  let contract = contracts.get(chosen);
  if (!contract) {
    const paths = new Set((chartPaths as Record<string, string[]>)[chosen]);
    const parents = new Set<string>();
    for (const path of paths) {
      const parts = path.split('.');
      for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join('.'));
    }
    contract = { version: chosen, exact: false, paths, parents };
    contracts.set(chosen, contract);
  }
  return { ...contract, exact: chosen === version.replace(/^v/, '') };
}

/**
 * Whether the chart reads a value path: the path is listed, or lies below a listed path that is
 * read whole (a map passed through with toYaml, e.g. core.podAnnotations.team). A key below a
 * listed path whose children are read one by one (redis.external.*) must be listed itself.
 */
export function isReadByChart(contract: ChartContract, path: string): boolean {
  if (contract.paths.has(path)) return true;
  const parts = path.split('.');
  for (let i = parts.length - 1; i >= 1; i--) {
    const ancestor = parts.slice(0, i).join('.');
    if (contract.paths.has(ancestor)) return !contract.parents.has(ancestor);
  }
  return false;
}

/** Every leaf path of a values tree, dotted ("persistence.imageChartStorage.s3.bucket"). */
export function leafPaths(values: unknown, prefix = ''): string[] {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return prefix ? [prefix] : [];
  const entries = Object.entries(values as Record<string, unknown>);
  if (entries.length === 0) return prefix ? [prefix] : [];
  return entries.flatMap(([key, value]) => leafPaths(value, prefix ? `${prefix}.${key}` : key));
}
