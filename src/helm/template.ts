/**
 * `mode: render`: renders the chart with `helm template` into the manifests file and lists what it
 * would create. A chart that cannot be fetched (no network, unknown chart or version) is reported
 * as ChartUnavailableError so render mode can carry on with a warning; any other helm failure (a
 * template error, bad values) is a real error and stays a ToolError.
 */
import { loadAll } from 'js-yaml';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ActionConfig } from '../inputs/config.js';
import { ToolError, runTool } from '../tools/exec.js';

export interface TemplateRequest {
  helmPath: string;
  release: string;
  namespace: string;
  /** A chart name in `chartRepo`, a local path, or an oci:// reference. */
  chart: string;
  chartRepo?: string;
  chartVersion?: string;
  valuesFiles: string[];
  outputFile: string;
}

export interface RenderedObject {
  kind: string;
  name: string;
  namespace?: string;
  apiVersion: string;
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

/** helm template of the configured chart with one values file, as deploy would install it. */
export function templateRequestFor(config: ActionConfig, helmPath: string, valuesFile: string, outputFile: string): TemplateRequest {
  return {
    helmPath,
    release: config.release,
    namespace: config.namespace,
    chart: config.chart.reference,
    chartRepo: config.chart.repository,
    chartVersion: config.chart.kind === 'local' ? undefined : config.chart.version,
    valuesFiles: [valuesFile],
    outputFile,
  };
}

export async function templateChart(request: TemplateRequest): Promise<{ manifestsFile: string; objects: RenderedObject[] }> {
  const args = ['template', request.release, request.chart, '--namespace', request.namespace];
  if (request.chartRepo) args.push('--repo', request.chartRepo);
  if (request.chartVersion) args.push('--version', request.chartVersion);
  for (const file of request.valuesFiles) args.push('--values', file);
  let stdout: string;
  try {
    // The manifests go to the file, not the log: they can be thousands of lines.
    ({ stdout } = await runTool(request.helmPath, args, { quietStdout: true }));
  } catch (error) {
    if (error instanceof ToolError && isChartUnavailable(error.stderr)) {
      throw new ChartUnavailableError(`chart ${describeChart(request)} could not be fetched, so nothing was rendered: ${lastLine(error.stderr)}`, error);
    }
    throw error;
  }
  const manifestsFile = resolve(request.outputFile);
  await mkdir(dirname(manifestsFile), { recursive: true });
  await writeFile(manifestsFile, stdout);
  return { manifestsFile, objects: listObjects(stdout) };
}

/** Every object in a multi-document manifest stream, `List` kinds flattened, in rendering order. */
export function listObjects(manifests: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  const visit = (document: unknown): void => {
    if (!document || typeof document !== 'object') return;
    const object = document as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown; namespace?: unknown }; items?: unknown };
    if (typeof object.kind !== 'string') return;
    if (object.kind.endsWith('List') && Array.isArray(object.items)) {
      object.items.forEach(visit);
      return;
    }
    objects.push({
      kind: object.kind,
      name: typeof object.metadata?.name === 'string' ? object.metadata.name : '',
      ...(typeof object.metadata?.namespace === 'string' ? { namespace: object.metadata.namespace } : {}),
      apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : '',
    });
  };
  loadAll(manifests, visit);
  return objects;
}

/**
 * Helm's wording when the chart itself is out of reach: an unreachable or missing repository, a
 * chart or version the repository does not have, a local path that does not exist, a registry
 * that refuses. Template and values errors say "execution error", "parse error", "YAML" instead.
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

function describeChart(request: TemplateRequest): string {
  const version = request.chartVersion ? ` ${request.chartVersion}` : '';
  return request.chartRepo ? `${request.chart}${version} from ${request.chartRepo}` : `${request.chart}${version}`;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
