import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import type { ChartSource } from '../inputs/config.js';
import { lastLine, runTool, ToolError } from '../tools/exec.js';
import { chartFiles } from './chart-archive.js';

/** The chart this run installs, fetched once: every render and the upgrade read the same bytes. */
export interface FetchedChart {
  /** A local .tgz (pulled) or the user's local chart directory or package. */
  path: string;
  /** From the chart's own Chart.yaml. */
  version: string;
  /** The Harbor version the chart deploys (Chart.yaml appVersion). */
  appVersion?: string;
  source: ChartSource;
}

export class ChartUnavailableError extends Error {
  constructor(
    message: string,
    readonly toolError: ToolError,
  ) {
    super(message, { cause: toolError });
    this.name = 'ChartUnavailableError';
  }
}

/**
 * Fetches the configured chart into `directory` with `helm pull` (a repository or an OCI
 * registry), or reads a local one in place. One download per run instead of one per helm call,
 * and the chart's metadata (the Harbor version it brings) known before anything is upgraded.
 */
export async function fetchChart(helmPath: string, source: ChartSource, directory: string): Promise<FetchedChart> {
  if (source.kind === 'local') return { ...readMetadata(resolve(source.reference)), source };
  const destination = join(directory, 'chart');
  rmSync(destination, { recursive: true, force: true });
  mkdirSync(destination, { recursive: true });
  const args = ['pull', source.reference, '--version', source.version, '--destination', destination];
  if (source.kind === 'repository' && source.repository) args.push('--repo', source.repository);
  try {
    await runTool(helmPath, args, { quietStdout: true });
  } catch (error) {
    if (error instanceof ToolError && isChartUnavailable(error.stderr)) {
      throw new ChartUnavailableError(`chart ${describeSource(source)} could not be fetched: ${lastLine(error.stderr)}`, error);
    }
    throw error;
  }
  const pulled = readdirSync(destination).find((file) => file.endsWith('.tgz'));
  if (!pulled) throw new Error(`helm pull of ${describeSource(source)} wrote no chart package into ${destination}`);
  return { ...readMetadata(join(destination, pulled)), source };
}

function readMetadata(path: string): { path: string; version: string; appVersion?: string } {
  let chartYaml: string | undefined;
  if (existsSync(path) && statSync(path).isDirectory()) {
    const file = join(path, 'Chart.yaml');
    chartYaml = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  } else if (existsSync(path)) {
    chartYaml = chartFiles(readFileSync(path)).get('Chart.yaml');
  }
  if (chartYaml === undefined) throw new Error(`${path} is not a Helm chart: it has no Chart.yaml`);
  const metadata = (yaml.load(chartYaml) ?? {}) as { version?: unknown; appVersion?: unknown };
  return { path, version: String(metadata.version ?? ''), ...(metadata.appVersion !== undefined ? { appVersion: String(metadata.appVersion) } : {}) };
}

export function describeSource(source: ChartSource): string {
  return source.kind === 'repository' && source.repository ? `${source.reference} ${source.version} from ${source.repository}` : `${source.reference} ${source.version}`;
}

/**
 * Helm's wording when the chart itself is out of reach: an unreachable or missing repository, a
 * chart or version the repository does not have, a registry that refuses. Template and values
 * errors say "execution error", "parse error", "YAML" instead.
 */
const UNAVAILABLE_PATTERNS = [
  /is not a valid chart repository or cannot be reached/i,
  /chart "[^"]*"( version "[^"]*")? not found in/i,
  /no chart (name|version) found/i,
  /path "[^"]*" not found/i,
  /failed to (fetch|download)/i,
  /no such host/i,
  /connection refused/i,
  /i\/o timeout/i,
  /dial tcp/i,
  /TLS handshake timeout/i,
  /\b(401|403|404) (Unauthorized|Forbidden|Not Found)\b/i,
  /repo .* not found/i,
  /could not find protocol handler/i,
];

function isChartUnavailable(stderr: string): boolean {
  if (/execution error|parse error|error converting YAML|error validating/i.test(stderr)) return false;
  return UNAVAILABLE_PATTERNS.some((pattern) => pattern.test(stderr));
}

