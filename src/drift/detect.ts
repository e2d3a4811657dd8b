import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { FetchedChart } from '../helm/chart-package.js';
import { checksumSources, manifestSources, readChartFiles } from '../helm/checksum-sources.js';
import type { Helm, ReleaseStatus } from '../helm/helm.js';
import { startLookupStandIn } from '../helm/lookup-stand-in.js';
import { templateChart } from '../helm/template.js';
import type { ActionConfig } from '../inputs/config.js';
import { SECRET_INPUTS, type InputName } from '../inputs/definitions.js';
import { readManagedSecrets, secretObject, type StoredSecrets } from '../kube/cluster-secrets.js';
import type { Kubectl } from '../kube/kubectl.js';
import { cfsObjects, virtualService, type KubeObject } from '../kube/manifests.js';
import { inGroup, log } from '../report/log.js';
import type { HarborValues } from '../values/generate.js';
import { chartFullname } from '../values/names.js';
import type { ManagedSecret } from '../values/secrets.js';
import { analyseChanges, type ChangeReport, type ObjectVersions, type VersionChange } from './changes.js';
import { leafPathsByKey, randomPaths } from './compare.js';
import { SecretKnowledge } from './secret-knowledge.js';

/** What differs between the declared Harbor and the release and objects on the cluster. */
export interface DriftReport {
  /** absent: no release yet (reported, not an error). */
  release: 'absent' | 'present';
  status?: string;
  revision?: number;
  /** The chart and Harbor versions the release runs, and the ones the inputs declare. */
  versions: VersionChange;
  /** What a deploy would change (present when the release is). */
  changes?: ChangeReport;
  drifted: boolean;
}

function objectKey(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

function parseManifests(text: string): KubeObject[] {
  return (yaml.loadAll(text) as (KubeObject | null)[]).filter((object): object is KubeObject => !!object && typeof object === 'object' && !!object.kind);
}

/** What drift detection reads the cluster and the chart through. */
export interface DriftSources {
  helm: Helm;
  kubectl: Kubectl;
  chart: FetchedChart;
  valuesFile: string;
}

export interface DeclaredManifests {
  objects: KubeObject[];
  /** Per object: the paths that differ between two renders (the chart's random fields). */
  random: Map<string, Set<string>>;
  /** Helm's output as printed (it may hold secrets: for comparisons and `# Source:` lines only). */
  text: string;
  /** The same, redacted, for `kubectl get -f`. */
  file: string;
}

/**
 * The Secrets the Harbor charts look up (docs/values.md): the action's Redis Secret, and the
 * chart's own core, jobservice, registry and database Secrets (1.14+). Read ahead, side by side.
 */
function lookedUpSecrets(config: ActionConfig, harbor: HarborValues): string[] {
  const fullname = chartFullname(config.release);
  const names = [...harbor.secrets.map((secret) => secret.name), ...['core', 'jobservice', 'registry', 'database'].map((part) => `${fullname}-${part}`)];
  return names.map((name) => `/api/v1/namespaces/${encodeURIComponent(config.namespace)}/secrets/${encodeURIComponent(name)}`);
}

/**
 * The declared manifests, rendered as an upgrade renders them (`--is-upgrade`): the chart's
 * lookups answered by the cluster (`--dry-run=server`), so what a chart reads there (the Redis
 * password 1.19 copies into ConfigMaps, the internal secrets 1.14+ keep) is in them. Rendered
 * twice, side by side: what still differs between the two renders is the chart's randomness.
 */
async function declaredManifests(config: ActionConfig, harbor: HarborValues, sources: DriftSources, directory: string): Promise<DeclaredManifests> {
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
  return { objects: firstObjects, random, text: first.manifests, file: first.manifestsFile };
}

/** The live counterparts of objects, read together (through a file of their identities for kubectl). */
function liveObjects(kubectl: Kubectl, objects: KubeObject[], namespace: string, directory: string): Promise<Map<string, KubeObject>> {
  const refs = objects.map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace ?? namespace, name: o.metadata.name }));
  // Identities only: the file tells kubectl what to read, and holds no secret.
  return kubectl.getObjects(refs, () => writeObjects(join(directory, 'declared-objects.yaml'), refs.map((ref) => ({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } }))));
}

function decoded(secret: unknown, key: string): string | undefined {
  const value = (secret as { data?: Record<string, string> } | undefined)?.data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

const isSecretInput = (name: InputName) => SECRET_INPUTS.includes(name);

/** Stands in for a generated key of a Secret the deploy creates: its value does not exist yet (never shown: Secret data is masked). */
const TO_BE_GENERATED = '(generated by the deploy)';

/** A managed Secret as read from the cluster (data base64), or undefined when it is absent. */
export type StoredSecret = (Partial<KubeObject> & { data?: Record<string, string> }) | undefined;

/**
 * The action's Secret as a deploy leaves it: keys from inputs as the inputs say, generated keys as
 * the cluster has them (a deploy keeps them) or to be generated.
 */
function declaredManagedSecret(secret: ManagedSecret, namespace: string, stored: StoredSecret): KubeObject {
  const data = Object.fromEntries(Object.entries(secret.data).map(([key, source]) => [key, source.from === 'input' ? (source.value ?? '') : (decoded(stored, key) ?? TO_BE_GENERATED)]));
  return secretObject(secret, namespace, data);
}

/**
 * What the action's Secrets hold on the cluster, and the secret inputs. Learn this before the chart
 * is rendered: the chart copies some of it (the Redis password) into ConfigMaps, the render's file
 * is redacted with what is known when it is written, and after a rotation the value the cluster
 * holds is no input any more.
 */
export function learnManagedSecrets(knowledge: SecretKnowledge, secrets: ManagedSecret[], storedSecret: (secret: ManagedSecret) => StoredSecret): void {
  for (const secret of secrets) {
    const current = storedSecret(secret);
    for (const [key, source] of Object.entries(secret.data)) {
      if (source.from === 'input' && !isSecretInput(source.input)) continue;
      const now = decoded(current, key);
      if (source.from === 'input') knowledge.add(source.value, { source: `input ${source.input}`, replaced: false });
      const replaced = source.from === 'input' && now !== undefined && now !== (source.value ?? '');
      knowledge.add(now, { source: `Secret ${secret.name}, key ${key}`, replaced });
    }
  }
}

/**
 * The value paths that hold a secret: those the action writes from secret inputs
 * (secrets-in-values), and those whose value the chart writes into one of its Secrets. Their
 * values, as declared and as the release has them, become known secrets too.
 */
function learnValueSecrets(knowledge: SecretKnowledge, harbor: HarborValues, liveValues: unknown, declared: KubeObject[]): Set<string> {
  const secretPaths = new Set<string>();
  for (const [path, source] of harbor.provenance) {
    const input = /^input ([a-z0-9-]+)/.exec(source)?.[1] as InputName | undefined;
    if (input && isSecretInput(input)) secretPaths.add(path);
  }
  const inChartSecrets = new Set(declared.filter((o) => o.kind === 'Secret').flatMap((o) => Object.keys((o.data as Record<string, string> | undefined) ?? {}).map((key) => decoded(o, key) ?? '')));
  const declaredLeaves = leafPathsByKey(harbor.values);
  for (const [path, value] of declaredLeaves) if (typeof value === 'string' && value.length >= 8 && inChartSecrets.has(value)) secretPaths.add(path);
  const liveLeaves = leafPathsByKey(liveValues);
  for (const path of secretPaths) {
    const now = liveLeaves.get(path);
    const wanted = declaredLeaves.get(path);
    if (typeof wanted === 'string') knowledge.add(wanted, { source: `value ${path}`, replaced: false });
    if (typeof now === 'string') knowledge.add(now, { source: `value ${path}`, replaced: now !== wanted });
  }
  return secretPaths;
}

/** What the comparison reads from the release and the cluster. */
export interface ClusterReads {
  release: ReleaseStatus;
  /** `helm get values`. */
  liveValues: unknown;
  /** `helm get manifest` as printed: its `# Source:` lines name each object's template. */
  storedManifest: string;
  declared: DeclaredManifests;
  /** Live objects by "Kind/name": the chart's (declared or recorded) and the action's own (CFS volumes, VirtualService). */
  live: Map<string, KubeObject>;
  /** The action's Secrets as stored. */
  storedSecret: (secret: ManagedSecret) => StoredSecret;
}

/**
 * The comparison itself, from what was read: no I/O. `knowledge` has learnt the action's Secrets
 * (learnManagedSecrets) before the render was written.
 */
export function compareWithCluster(config: ActionConfig, harbor: HarborValues, chart: FetchedChart, reads: ClusterReads, knowledge: SecretKnowledge): DriftReport {
  const { release, declared, live } = reads;
  const versions: VersionChange = { fromChart: release.chartVersion, toChart: chart.version, fromHarbor: release.appVersion, toHarbor: chart.appVersion };
  const stored = new Map(parseManifests(reads.storedManifest).map((o) => [objectKey(o), o]));
  const declaredByKey = new Map(declared.objects.map((o) => [objectKey(o), o]));
  const secretPaths = learnValueSecrets(knowledge, harbor, reads.liveValues, declared.objects);
  const sourceOf = new Map([...manifestSources(reads.storedManifest), ...manifestSources(declared.text)]);
  const versionsOf = (key: string, object: KubeObject, own: boolean, liveObject = live.get(key)): ObjectVersions => ({
    kind: object.kind,
    name: object.metadata.name,
    declared: own ? object : declaredByKey.get(key),
    stored: own ? undefined : stored.get(key),
    live: liveObject,
    random: declared.random.get(key) ?? new Set(),
    source: sourceOf.get(key),
    owner: own ? 'action' : 'chart',
  });
  const extras = [...cfsObjects(config), ...virtualService(config, harbor.values)];
  const managedSecret = (secret: ManagedSecret): KubeObject | undefined => {
    const current = reads.storedSecret(secret);
    return current ? { apiVersion: 'v1', kind: 'Secret', metadata: { name: secret.name, namespace: config.namespace }, ...current } : undefined;
  };
  const objects: ObjectVersions[] = [
    ...[...new Set([...declaredByKey.keys(), ...stored.keys()])].map((key) => versionsOf(key, (declaredByKey.get(key) ?? stored.get(key))!, false)),
    ...extras.map((o) => versionsOf(objectKey(o), o, true)),
    ...harbor.secrets.map((s) => versionsOf(`Secret/${s.name}`, declaredManagedSecret(s, config.namespace, reads.storedSecret(s)), true, managedSecret(s))),
  ];
  const changes = analyseChanges({
    namespace: config.namespace,
    objects,
    values: { declared: harbor.values, live: reads.liveValues, secretPaths },
    knowledge,
    checksums: checksumSources(readChartFiles(chart.path)),
    versions,
  });
  const drifted = release.status !== 'deployed' || changes.objects.length > 0 || changes.values.changed > 0 || changes.recordOnly.length > 0;
  const restarting = changes.components.filter((c) => c.restarts).map((c) => c.component);
  log.info(
    drifted
      ? `Drift: ${changes.objects.length} object(s) differ, ${changes.values.changed} value(s), ${changes.secrets.length} Secret(s) change; a deploy restarts ${restarting.join(', ') || 'nothing'}; release status ${release.status}`
      : `In sync: revision ${release.revision} (${release.status}) matches the inputs, and the live objects match it`,
  );
  return { release: 'present', status: release.status, revision: release.revision, versions, changes, drifted };
}

function writeObjects(file: string, objects: KubeObject[]): string {
  writeFileSync(file, objects.map((o) => yaml.dump(o)).join('---\n'), { mode: 0o600 });
  return file;
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
      return { release: 'absent', versions: { toChart: sources.chart.version, toHarbor: sources.chart.appVersion }, drifted: true };
    }
    // Every read that does not wait for another, side by side: the live objects as soon as the
    // stored manifest names them, while the chart still renders; only objects the render adds
    // are read after it.
    const own = [...cfsObjects(config), ...virtualService(config, harbor.values)];
    const storedValues = helm.run(['get', 'values', config.release, '--namespace', config.namespace, '-o', 'json'], { rawStdout: true });
    const storedManifest = helm.run(['get', 'manifest', config.release, '--namespace', config.namespace], { rawStdout: true }).then((result) => result.stdout);
    const liveOfStored = storedManifest.then((text) => liveObjects(kubectl, [...parseManifests(text), ...own], config.namespace, directory));
    for (const pending of [storedValues, storedManifest, liveOfStored]) pending.catch(() => undefined);
    // The action's Secrets before anything is rendered: the render's file is redacted with them.
    const stored = await (known?.secrets ?? readManagedSecrets(kubectl, config.namespace, harbor.secrets));
    const storedSecret = (secret: ManagedSecret): StoredSecret => stored[harbor.secrets.indexOf(secret)];
    const knowledge = new SecretKnowledge();
    learnManagedSecrets(knowledge, harbor.secrets, storedSecret);

    const [values, storedText, declared, live] = await Promise.all([storedValues, storedManifest, declaredManifests(config, harbor, sources, directory), liveOfStored]);
    const storedKeys = new Set(parseManifests(storedText).map(objectKey));
    const added = declared.objects.filter((o) => !storedKeys.has(objectKey(o)));
    if (added.length > 0) for (const [key, object] of await liveObjects(kubectl, added, config.namespace, directory)) live.set(key, object);
    const liveValues = JSON.parse(values.stdout || '{}') ?? {};
    return compareWithCluster(config, harbor, sources.chart, { release, liveValues, storedManifest: storedText, declared, live, storedSecret }, knowledge);
  });
}
