/**
 * `helm template` of the fetched chart, rendered the way an upgrade renders it: with the chart's
 * `lookup`s answered by a cluster (`--dry-run=server`), either the real one (diff, the in-sync
 * check) or the lookup stand-in (render mode, which has no cluster).
 */
import { loadAll } from 'js-yaml';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { redact } from '../report/redact.js';
import { runTool } from '../tools/exec.js';

export interface TemplateRequest {
  helmPath: string;
  release: string;
  namespace: string;
  /** The fetched chart: a local package or directory. */
  chartPath: string;
  valuesFiles: string[];
  outputFile: string;
  /**
   * Render as an upgrade of the existing release (`--is-upgrade`): what diff and the in-sync check
   * compare. Helm then also skips checking, one object at a time, whether each object exists.
   */
  isUpgrade?: boolean;
  /**
   * Who answers the chart's lookups. The lookup stand-in has no OpenAPI schemas to validate the
   * objects against (`openApi: false`); a real cluster validates them as an upgrade would.
   */
  cluster: { kubeconfig: string; context?: string; openApi: boolean };
}

export interface RenderedObject {
  kind: string;
  name: string;
  namespace?: string;
  apiVersion: string;
}

/** `manifests`: the chart's output as helm printed it, for comparisons only (it may hold secrets); `manifestsFile`: redacted. */
export async function templateChart(request: TemplateRequest): Promise<{ manifestsFile: string; manifests: string; objects: RenderedObject[] }> {
  const args = ['template', request.release, request.chartPath, '--namespace', request.namespace];
  for (const file of request.valuesFiles) args.push('--values', file);
  if (request.isUpgrade) args.push('--is-upgrade');
  args.push('--dry-run=server', '--kubeconfig', request.cluster.kubeconfig);
  if (request.cluster.context) args.push('--kube-context', request.cluster.context);
  if (!request.cluster.openApi) args.push('--disable-openapi-validation');
  // Raw, never logged: a chart copies Secret values it looks up (the Redis password) into
  // ConfigMaps, and comparisons need them as they are. The file gets the redacted text.
  const { stdout } = await runTool(request.helmPath, args, { rawStdout: true });
  const manifestsFile = resolve(request.outputFile);
  await mkdir(dirname(manifestsFile), { recursive: true });
  await writeFile(manifestsFile, redact(stdout), { mode: 0o600 });
  return { manifestsFile, manifests: stdout, objects: listObjects(stdout) };
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
