import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { FetchedChart } from '../helm/chart-package.js';
import type { Helm, ReleaseStatus } from '../helm/helm.js';
import { startLookupStandIn } from '../helm/lookup-stand-in.js';
import { templateChart } from '../helm/template.js';
import type { ActionConfig } from '../inputs/config.js';
import type { Kubectl } from '../kube/kubectl.js';
import { readManagedSecrets, type StoredSecrets } from '../kube/cluster-secrets.js';
import { cfsObjects, virtualService, type KubeObject } from '../kube/manifests.js';
import { inGroup, log } from '../report/log.js';
import type { HarborValues } from '../values/generate.js';
import { chartFullname } from '../values/names.js';
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
/**
 * The Secrets the Harbor charts look up (docs/values.md): the action's Redis Secret, and the
 * chart's own core, jobservice, registry and database Secrets (1.14+). Read ahead, side by side.
 */
function lookedUpSecrets(config: ActionConfig, harbor: HarborValues): string[] {
  const fullname = chartFullname(config.release);
  const names = [...harbor.secrets.map((secret) => secret.name), ...['core', 'jobservice', 'registry', 'database'].map((part) => `${fullname}-${part}`)];
  return names.map((name) => `/api/v1/namespaces/${encodeURIComponent(config.namespace)}/secrets/${encodeURIComponent(name)}`);
}

async function declaredManifests(config: ActionConfig, harbor: HarborValues, sources: DriftSources, directory: string): Promise<{ objects: KubeObject[]; random: Map<string, Set<string>> }> {
  const { helm, kubectl } = sources;
  // Through the API client's warm connections when it speaks the kubeconfig: helm's reads, passed
  // on and kept, cost a round trip each once for both renders (objects are validated by the upgrade).
  const standIn = kubectl.api ? await startLookupStandIn(config.namespace, { cluster: kubectl.api, prefetch: lookedUpSecrets(config, harbor) }, directory) : undefined;
  const cluster = standIn ? { kubeconfig: standIn.kubeconfig, openApi: false } : { kubeconfig: helm.access.kubeconfig, context: helm.access.context, openApi: true };
  const render = (name: string) =>
    templateChart({
      helmPath: helm.path,
      release: config.release,
      namespace: config.namespace,
      chartPath: sources.chart.path,
      valuesFiles: [sources.valuesFile],
      outputFile: join(directory, name),
      isUpgrade: true,
      cluster,
    });
  let first: Awaited<ReturnType<typeof render>>;
  let second: Awaited<ReturnType<typeof render>>;
  try {
    [first, second] = await Promise.all([render('declared-manifests.yaml'), render('declared-manifests-again.yaml')]);
  } finally {
    if (standIn) log.info(`The renders read ${standIn.reads().fromCluster} document(s) from the API server for ${standIn.reads().answered} read(s)`);
    await standIn?.close();
  }
  const firstObjects = parseManifests(first.manifests);
  const secondObjects = new Map(parseManifests(second.manifests).map((o) => [objectKey(o), o]));
  const random = new Map(firstObjects.map((o) => [objectKey(o), randomPaths(o, secondObjects.get(objectKey(o)), o.kind)]));
  return { objects: firstObjects, random };
}

/** The live counterparts of the declared objects, read together (a file of them for kubectl). */
function liveObjects(kubectl: Kubectl, objects: KubeObject[], namespace: string, directory: string): Promise<Map<string, KubeObject>> {
  const refs = objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace ?? namespace, name: o.metadata.name }));
  return kubectl.getObjects(refs, () => {
    const file = join(directory, 'declared-objects.yaml');
    // Identities only: the file tells kubectl what to read, and holds no secret.
    writeFileSync(file, refs.map((ref) => yaml.dump({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } })).join('---\n'), { mode: 0o600 });
    return file;
  });
}

async function managedSecretDrift(secrets: ManagedSecret[], stored: Promise<StoredSecrets>): Promise<string[]> {
  const lines: string[] = [];
  const found = await stored;
  for (const [index, secret] of secrets.entries()) {
    const live = found[index];
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

/**
 * `known`: what the caller has read already (deploy has: the release's latest revision, its
 * Secrets), so it is not read twice.
 */
export async function detectDrift(
  config: ActionConfig,
  harbor: HarborValues,
  sources: DriftSources,
  directory: string,
  known?: { release: ReleaseStatus | undefined; secrets?: Promise<StoredSecrets> },
): Promise<DriftReport> {
  const { helm, kubectl } = sources;
  return inGroup('Drift: declared vs release vs cluster', async () => {
    const release = known ? known.release : await helm.status(config.release, config.namespace);
    if (!release) {
      log.info(`Release ${config.release} does not exist in ${config.namespace} yet: nothing to compare, everything is to be installed`);
      return { release: 'absent', values: [], manifest: [], live: [], secrets: [], drifted: true };
    }
    // Every read that does not wait for another, side by side. The live objects are read as soon
    // as the stored manifest names them, while the chart still renders; only objects the render
    // adds are read after it.
    const extras = [...cfsObjects(config), ...virtualService(config, harbor.values)];
    const storedManifest = helm.run(['get', 'manifest', config.release, '--namespace', config.namespace], { rawStdout: true }).then((result) => parseManifests(result.stdout));
    const liveOfStored = storedManifest.then((objects) => liveObjects(kubectl, [...objects, ...extras], config.namespace, directory));
    const [storedValues, stored, declared, secrets, live] = await Promise.all([
      helm.run(['get', 'values', config.release, '--namespace', config.namespace, '-o', 'json'], { rawStdout: true }),
      storedManifest,
      declaredManifests(config, harbor, sources, directory),
      managedSecretDrift(harbor.secrets, known?.secrets ?? readManagedSecrets(kubectl, config.namespace, harbor.secrets)),
      liveOfStored,
    ]);
    const values = valueDifferences(harbor.values, JSON.parse(storedValues.stdout || '{}') ?? {});
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

    const added = declared.objects.filter((o) => !storedByKey.has(objectKey(o)));
    if (added.length > 0) for (const [key, object] of await liveObjects(kubectl, added, config.namespace, directory)) live.set(key, object);
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
