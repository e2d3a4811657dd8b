import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { FetchedChart } from '../helm/chart-package.js';
import type { Helm } from '../helm/helm.js';
import { templateChart } from '../helm/template.js';
import type { ActionConfig } from '../inputs/config.js';
import type { Kubectl } from '../kube/kubectl.js';
import { cfsObjects, virtualService, type KubeObject } from '../kube/manifests.js';
import { inGroup, log } from '../report/log.js';
import type { HarborValues } from '../values/generate.js';
import type { ManagedSecret } from '../values/secrets.js';
import { declaredDifferences, describeDifference, isSecretPath, leafPathsByKey, randomPaths } from './compare.js';

/** What differs between the declared Harbor and the release and objects on the cluster. */
export interface ObjectDrift {
  object: string;
  /** missing: declared but not on the cluster; changed: fields differ. */
  change: 'missing' | 'changed' | 'added' | 'removed';
  differences: string[];
}

export interface DriftReport {
  /** absent: no release yet (reported, not an error). */
  release: 'absent' | 'present';
  status?: string;
  revision?: number;
  /** (1) declared values vs `helm get values`. */
  values: string[];
  /** (2) declared manifests vs `helm get manifest`. */
  manifest: ObjectDrift[];
  /** (3) declared manifests (and the action's own objects) vs the live objects. */
  live: ObjectDrift[];
  /** The action's Secrets whose content differs from the inputs, or that are gone: names and keys only. */
  secrets: string[];
  drifted: boolean;
}

function objectKey(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

function parseManifests(text: string): KubeObject[] {
  return (yaml.loadAll(text) as (KubeObject | null)[]).filter((object): object is KubeObject => !!object && typeof object === 'object' && !!object.kind);
}

/** Symmetric comparison of two values trees, leaf by leaf. */
function valueDifferences(declared: unknown, live: unknown): string[] {
  const a = leafPathsByKey(declared);
  const b = leafPathsByKey(live);
  const lines: string[] = [];
  for (const [path, value] of a) {
    if (!b.has(path)) lines.push(isSecretPath(path) ? `${path}: added (secret)` : `${path}: added ${JSON.stringify(value)}`);
    else if (String(b.get(path)) !== String(value)) lines.push(describeDifference({ path, declared: value, live: b.get(path), secret: isSecretPath(path) }));
  }
  for (const path of b.keys()) if (!a.has(path)) lines.push(`${path}: removed`);
  return lines;
}

/** What drift detection reads the cluster and the chart through. */
export interface DriftSources {
  helm: Helm;
  kubectl: Kubectl;
  chart: FetchedChart;
  valuesFile: string;
}

/**
 * The declared manifests, rendered as an upgrade renders them: the chart's lookups answered by the
 * cluster (`--dry-run=server`), so what a chart reads there (the Redis password 1.19 copies into
 * ConfigMaps, the internal secrets 1.14+ keep) is in them. Rendered twice: what still differs
 * between the two renders is the chart's randomness.
 */
async function declaredManifests(config: ActionConfig, sources: DriftSources, directory: string): Promise<{ objects: KubeObject[]; random: Map<string, Set<string>>; file: string }> {
  const { helm } = sources;
  const render = (name: string) =>
    templateChart({
      helmPath: helm.path,
      release: config.release,
      namespace: config.namespace,
      chartPath: sources.chart.path,
      valuesFiles: [sources.valuesFile],
      outputFile: join(directory, name),
      cluster: { kubeconfig: helm.access.kubeconfig, context: helm.access.context, openApi: true },
    });
  const first = await render('declared-manifests.yaml');
  const second = await render('declared-manifests-again.yaml');
  const firstObjects = parseManifests(first.manifests);
  const secondObjects = new Map(parseManifests(second.manifests).map((o) => [objectKey(o), o]));
  const random = new Map(firstObjects.map((o) => [objectKey(o), randomPaths(o, secondObjects.get(objectKey(o)), o.kind)]));
  return { objects: firstObjects, random, file: first.manifestsFile };
}

async function liveObjects(kubectl: Kubectl, file: string, namespace: string): Promise<Map<string, KubeObject>> {
  const { stdout } = await kubectl.run(['get', '-f', file, '-n', namespace, '--ignore-not-found', '-o', 'json'], { rawStdout: true });
  if (!stdout.trim()) return new Map();
  const parsed = JSON.parse(stdout) as KubeObject & { items?: KubeObject[] };
  const items = parsed.items ?? [parsed];
  return new Map(items.map((o) => [objectKey(o), o]));
}

async function managedSecretDrift(kubectl: Kubectl, namespace: string, secrets: ManagedSecret[]): Promise<string[]> {
  const lines: string[] = [];
  for (const secret of secrets) {
    const live = await kubectl.get<{ data?: Record<string, string> }>('secret', secret.name, namespace, { rawStdout: true });
    if (!live) {
      lines.push(`Secret ${secret.name}: missing`);
      continue;
    }
    if (secret.generated) continue;
    const differing = Object.entries(secret.data)
      .filter(([key, source]) => source.from === 'input' && Buffer.from(live.data?.[key] ?? '', 'base64').toString() !== (source.value ?? ''))
      .map(([key, source]) => `${key} (input ${source.from === 'input' ? source.input : ''})`);
    if (differing.length > 0) lines.push(`Secret ${secret.name}: ${differing.join(', ')} differ from the inputs (values not shown)`);
  }
  return lines;
}

export async function detectDrift(config: ActionConfig, harbor: HarborValues, sources: DriftSources, directory: string): Promise<DriftReport> {
  const { helm, kubectl } = sources;
  return inGroup('Drift: declared vs release vs cluster', async () => {
    const release = await helm.status(config.release, config.namespace);
    if (!release) {
      log.info(`Release ${config.release} does not exist in ${config.namespace} yet: nothing to compare, everything is to be installed`);
      return { release: 'absent', values: [], manifest: [], live: [], secrets: [], drifted: true };
    }
    const liveValues = JSON.parse((await helm.run(['get', 'values', config.release, '--namespace', config.namespace, '-o', 'json'], { rawStdout: true })).stdout || '{}') ?? {};
    const values = valueDifferences(harbor.values, liveValues);

    const declared = await declaredManifests(config, sources, directory);
    const stored = parseManifests((await helm.run(['get', 'manifest', config.release, '--namespace', config.namespace], { rawStdout: true })).stdout);
    const storedByKey = new Map(stored.map((o) => [objectKey(o), o]));
    const manifest: ObjectDrift[] = [];
    for (const object of declared.objects) {
      const key = objectKey(object);
      const previous = storedByKey.get(key);
      if (!previous) manifest.push({ object: key, change: 'added', differences: [] });
      else {
        const ignored = declared.random.get(key);
        const differences = [...declaredDifferences(object, previous, object.kind, ignored), ...declaredDifferences(previous, object, object.kind, ignored).filter((d) => d.live === undefined)];
        if (differences.length > 0) manifest.push({ object: key, change: 'changed', differences: differences.map(describeDifference) });
      }
    }
    for (const key of storedByKey.keys()) if (!declared.objects.some((o) => objectKey(o) === key)) manifest.push({ object: key, change: 'removed', differences: [] });

    const live = await liveObjects(kubectl, declared.file, config.namespace);
    const extras = [...cfsObjects(config), ...virtualService(config, harbor.values)];
    if (extras.length > 0) {
      const extrasFile = join(directory, 'declared-objects.yaml');
      writeFileSync(extrasFile, extras.map((o) => yaml.dump(o)).join('---\n'), { mode: 0o600 });
      for (const [key, object] of await liveObjects(kubectl, extrasFile, config.namespace)) live.set(key, object);
    }
    const liveDrift: ObjectDrift[] = [];
    for (const object of [...declared.objects, ...extras]) {
      const key = objectKey(object);
      const current = live.get(key);
      if (!current) {
        liveDrift.push({ object: key, change: 'missing', differences: [] });
        continue;
      }
      const differences = declaredDifferences(object, current, object.kind, declared.random.get(key)).map((d) => (object.kind === 'Secret' ? { ...d, secret: true } : d));
      if (differences.length > 0) liveDrift.push({ object: key, change: 'changed', differences: differences.map(describeDifference) });
    }
    const secrets = await managedSecretDrift(kubectl, config.namespace, harbor.secrets);
    const drifted = release.status !== 'deployed' || values.length > 0 || manifest.length > 0 || liveDrift.length > 0 || secrets.length > 0;
    log.info(
      drifted
        ? `Drift: ${values.length} value(s), ${manifest.length} manifest object(s), ${liveDrift.length} live object(s), ${secrets.length} Secret(s) differ; release status ${release.status}`
        : `In sync: revision ${release.revision} (${release.status}) matches the inputs, and the live objects match it`,
    );
    return { release: 'present', status: release.status, revision: release.revision, values, manifest, live: liveDrift, secrets, drifted };
  });
}

/** The report as text: the diff file, and the summary's body. */
export function driftText(report: DriftReport): string {
  if (report.release === 'absent') return 'The release does not exist yet: deploy installs it.\n';
  const lines: string[] = [`release revision ${report.revision}, status ${report.status}`];
  const section = (title: string, entries: string[]) => {
    if (entries.length === 0) return;
    lines.push('', `## ${title}`, ...entries);
  };
  section('values (declared vs helm get values)', report.values);
  section('manifests (declared vs helm get manifest)', report.manifest.flatMap((o) => [`${o.object}: ${o.change}`, ...o.differences.map((d) => `  ${d}`)]));
  section('live objects (declared vs the cluster)', report.live.flatMap((o) => [`${o.object}: ${o.change}`, ...o.differences.map((d) => `  ${d}`)]));
  section('Secrets made from inputs', report.secrets);
  if (!report.drifted) lines.push('', 'No drift.');
  return `${lines.join('\n')}\n`;
}
