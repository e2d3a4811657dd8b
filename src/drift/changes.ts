import yaml from 'js-yaml';
import type { ChecksumSources } from '../helm/checksum-sources.js';
import type { KubeObject } from '../kube/manifests.js';
import { isDefaultOnly } from './api-defaults.js';
import { POD_SPEC_AT, startsWith } from './merge-keys.js';
import { SECRET_CHANGED, SECRET_SHOWN, type SecretKnowledge } from './secret-knowledge.js';
import { isMap, walkThreeWay, type Leaf, type Shown } from './three-way.js';
import { unifiedDiff } from './unified-diff.js';

/**
 * What a deploy would change, worked out from each object as declared (the chart rendered as the
 * upgrade renders it), as Helm recorded it at the last deploy, and as the cluster has it: which
 * components restart and why, what is added, removed and changed, which Secrets change, and which
 * live edits a deploy undoes; with a unified diff per object in which noise (a label changed the
 * same way everywhere, a default written out or left out, checksum annotations) is folded into
 * one line each instead of repeated. Values are shown except the secrets the action knows of.
 */

/** One object in its three versions. */
export interface ObjectVersions {
  kind: string;
  name: string;
  declared?: KubeObject;
  /** Helm's record of the last deploy (`helm get manifest`); none for the action's own objects. */
  stored?: KubeObject;
  live?: KubeObject;
  /** Paths the chart renders differently every time (randomPaths): never a difference. */
  random: ReadonlySet<string>;
  /** The chart template the object comes from ("templates/core/core-cm.yaml"), from Helm's `# Source:` lines. */
  source?: string;
  /** The chart's (Helm keeps a record of it), or the action's own (its Secrets, CFS volumes, VirtualService). */
  owner: 'chart' | 'action';
}

export interface VersionChange {
  fromChart?: string;
  toChart: string;
  fromHarbor?: string;
  toHarbor?: string;
}

export interface ChangeInputs {
  namespace: string;
  objects: ObjectVersions[];
  /** The values helm gets vs `helm get values`; `secretPaths`: value paths the action knows hold a secret. */
  values: { declared: unknown; live: unknown; secretPaths: ReadonlySet<string> };
  knowledge: SecretKnowledge;
  checksums: ChecksumSources;
  versions: VersionChange;
}

type Noise = 'default' | 'random' | 'checksum';

interface LeafChange extends Leaf {
  noise?: Noise;
  /** The cluster differs from Helm's record here: someone changed it by hand (or another tool did). */
  liveEdit: boolean;
  /** Secrets (by source) whose current value this declared text holds a copy of, and which the deploy replaces. */
  replacedCopies: string[];
}

export type ObjectChangeKind = 'added' | 'removed' | 'changed' | 'recreated';

export interface ObjectChange {
  kind: string;
  name: string;
  change: ObjectChangeKind;
  /** Unified diff of the live object (as far as declared or recorded) → the declared one, folded noise left out. */
  diff: string;
  /** Every change it has is folded into a line of `folds`. */
  foldedOnly: boolean;
}

export interface ComponentChange {
  component: string;
  workload: string;
  restarts: boolean;
  /** In words, most telling first. */
  reasons: string[];
}

export interface SecretChange {
  name: string;
  change: ObjectChangeKind;
  keys: string[];
}

export interface ChangeReport {
  versions: VersionChange;
  components: ComponentChange[];
  /** Changed objects, workloads first: the ones with a diff to show, and the folded-only ones. */
  objects: ObjectChange[];
  secrets: SecretChange[];
  /** Components that read a changing ConfigMap or Secret without restarting. */
  staleReaders: string[];
  liveEdits: string[];
  folds: string[];
  /** Objects whose Helm record differs from the declared one while the cluster already matches it. */
  recordOnly: string[];
  values: { diff: string; changed: number };
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const CONFIG_DATA = new Set(['data', 'stringData', 'binaryData']);
/** A label or annotation that changes the same way on at least this many objects is folded into one line. */
const FOLD_MIN_OBJECTS = 3;
/** Live edits named per object in the summary; the diff below has them all. */
const EDITS_PER_OBJECT = 3;

const present = (value: unknown): unknown => (value === null ? undefined : value);

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' || typeof a === 'string' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'string' || typeof b === 'boolean')) return String(a) === String(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

function isChecksumAnnotation(fields: readonly string[]): boolean {
  return fields.length >= 2 && fields[fields.length - 2] === 'annotations' && fields[fields.length - 1]!.startsWith('checksum/');
}

function isSecretData(kind: string, fields: readonly string[]): boolean {
  return kind === 'Secret' && (fields[0] === 'data' || fields[0] === 'stringData');
}

const objectKey = (o: { kind: string; name: string }) => `${o.kind}/${o.name}`;
const RANDOM_SHOWN = '(generated anew by the chart on every render)';
const NOTHING: Shown = { before: undefined, after: undefined };

/** Pass 1: every leaf where the declared object and the cluster differ, classified. */
function leafChanges(o: ObjectVersions, knowledge: SecretKnowledge): LeafChange[] {
  const changes: LeafChange[] = [];
  walkThreeWay(o.declared, o.stored, o.live, o.kind, (leaf) => {
    const declared = present(leaf.declared);
    const live = present(leaf.live);
    const stored = present(leaf.stored);
    const replacedCopies = typeof declared === 'string' ? knowledge.replacedIn(declared) : [];
    if (same(declared, live) && replacedCopies.length === 0) return NOTHING;
    const noise: Noise | undefined = o.random.has(leaf.path)
      ? 'random'
      : isChecksumAnnotation(leaf.fields)
        ? 'checksum'
        : isDefaultOnly(o.kind, leaf.fields, declared, live)
          ? 'default'
          : undefined;
    const liveEdit = !!o.stored && !!o.live && noise === undefined && stored !== undefined && !same(live, stored) && !isDefaultOnly(o.kind, leaf.fields, stored, live);
    changes.push({ ...leaf, declared, live, stored, noise, liveEdit, replacedCopies });
    return NOTHING;
  });
  return changes;
}

/** Whether Helm's record differs from the declared object in more than noise (the cluster aside). */
function recordDiffers(o: ObjectVersions): boolean {
  if (o.owner === 'action') return false;
  if (!o.stored || !o.declared) return !!o.stored !== !!o.declared;
  let differs = false;
  walkThreeWay(o.declared, o.stored, o.stored, o.kind, (leaf) => {
    const declared = present(leaf.declared);
    const stored = present(leaf.stored);
    if (!same(declared, stored) && !o.random.has(leaf.path) && !isDefaultOnly(o.kind, leaf.fields, declared, stored)) differs = true;
    return NOTHING;
  });
  return differs;
}

/** A label or annotation change that may fold with the same change on other objects. */
function foldKey(change: LeafChange): string | undefined {
  const f = change.fields;
  const n = f.length;
  if (change.noise || n < 3 || f[n - 3] !== 'metadata' || (f[n - 2] !== 'labels' && f[n - 2] !== 'annotations')) return undefined;
  return JSON.stringify([f[n - 2], f[n - 1], change.live ?? null, change.declared ?? null]);
}

/** Pass 2: the two shown versions of an object, masked, with folded and noise leaves shown unchanged. */
function shownTexts(o: ObjectVersions, changes: Map<string, LeafChange>, folded: ReadonlySet<string>, knowledge: SecretKnowledge): { before: string; after: string } {
  const show = (value: unknown, side: 'before' | 'after', fields: readonly string[], changed: boolean): unknown => {
    if (value === undefined) return undefined;
    if (isSecretData(o.kind, fields)) return side === 'after' && changed ? SECRET_CHANGED : SECRET_SHOWN;
    return typeof value === 'string' ? knowledge.mask(value, side, side === 'after' && changed) : value;
  };
  const shown = walkThreeWay(o.declared, o.stored, o.live, o.kind, (leaf) => {
    const declared = present(leaf.declared);
    const live = present(leaf.live);
    const change = changes.get(leaf.path);
    // A value the chart generates on every render (an unpinned password or certificate): named, never shown.
    if (o.random.has(leaf.path)) return { before: live === undefined ? undefined : RANDOM_SHOWN, after: declared === undefined ? undefined : RANDOM_SHOWN };
    const after = show(declared, 'after', leaf.fields, false);
    if (!change || change.noise || folded.has(leaf.path)) return { before: after, after };
    const before = show(live, 'before', leaf.fields, false);
    // Equal once masked, different underneath: a secret inside changes.
    const changedAfter = before !== undefined && same(before, after) ? show(declared, 'after', leaf.fields, true) : after;
    return { before, after: changedAfter };
  });
  const dump = (tree: unknown) => (tree === undefined ? '' : yaml.dump(tree, { lineWidth: -1, noRefs: true }));
  return { before: o.live ? dump(shown.before) : '', after: o.declared ? dump(shown.after) : '' };
}

/** Values quoted in the summary lines are cut to this length: the summary must always fit (the diff has them whole). */
const QUOTED_VALUE_MAX = 100;

function describeValue(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value);
  if (text.length <= QUOTED_VALUE_MAX) return text;
  return text.startsWith('"') ? `${text.slice(0, QUOTED_VALUE_MAX - 2)}…"` : `${text.slice(0, QUOTED_VALUE_MAX - 1)}…`;
}

/** "harbor-core v2.14.4 → v2.15.1" when only the tag (or the registry) changes, else both references. */
export function imageChange(from: unknown, to: unknown): string {
  const parse = (ref: string) => {
    const slash = ref.lastIndexOf('/');
    const colon = ref.lastIndexOf(':');
    const repository = colon > slash ? ref.slice(0, colon) : ref;
    return { repository, name: repository.slice(repository.lastIndexOf('/') + 1), tag: colon > slash ? ref.slice(colon + 1) : 'latest' };
  };
  if (typeof from !== 'string' || typeof to !== 'string') return `\`${String(to ?? from)}\``;
  const a = parse(from);
  const b = parse(to);
  if (a.name === b.name && a.tag !== b.tag) return `\`${b.name}\` ${a.tag} → ${b.tag}`;
  return `\`${from}\` → \`${to}\``;
}

interface Analysis {
  object: ObjectVersions;
  changes: LeafChange[];
  kind: ObjectChangeKind | undefined;
}

function classify(o: ObjectVersions, changes: LeafChange[]): ObjectChangeKind | undefined {
  if (!o.declared && !o.live) return undefined;
  if (!o.declared) return 'removed';
  if (!o.live) return o.stored ? 'recreated' : 'added';
  return changes.some((c) => c.noise === undefined || c.noise === 'checksum') ? 'changed' : undefined;
}

/** What changes in a ConfigMap or Secret, for a restart reason: its data keys, or "labels only". */
function describeConfigChange(analysis: Analysis): string {
  const o = analysis.object;
  if (analysis.kind && analysis.kind !== 'changed') return `${o.kind} \`${o.name}\` (${analysis.kind})`;
  const meaningful = analysis.changes.filter((c) => c.noise === undefined);
  const keys = [...new Set(meaningful.filter((c) => CONFIG_DATA.has(c.fields[0]!)).map((c) => c.fields[1]!))];
  const copies = [...new Set(meaningful.flatMap((c) => c.replacedCopies))];
  const what = keys.length > 0 ? keys.map((k) => `\`${k}\``).join(', ') : meaningful.every((c) => c.fields[0] === 'metadata') ? 'labels only' : 'changed';
  return `${o.kind} \`${o.name}\` (${what}${copies.length > 0 ? `: copies of ${copies.join(', ')}, which changes` : ''})`;
}

/** The ConfigMaps and Secrets a workload's pods read, and how. */
function configReferences(workload: KubeObject): Array<{ kind: string; name: string; how: string; env: boolean }> {
  const podSpecPath = POD_SPEC_AT[workload.kind] ?? [];
  let spec: unknown = workload;
  for (const field of podSpecPath) spec = isMap(spec) ? spec[field] : undefined;
  if (!isMap(spec)) return [];
  const refs: Array<{ kind: string; name: string; how: string; env: boolean }> = [];
  const asList = (value: unknown) => (Array.isArray(value) ? value.filter(isMap) : []);
  for (const container of [...asList(spec.containers), ...asList(spec.initContainers)]) {
    for (const variable of asList(container.env)) {
      const from = isMap(variable.valueFrom) ? variable.valueFrom : undefined;
      if (isMap(from?.secretKeyRef)) refs.push({ kind: 'Secret', name: String(from.secretKeyRef.name), how: `env ${String(variable.name)}`, env: true });
      if (isMap(from?.configMapKeyRef)) refs.push({ kind: 'ConfigMap', name: String(from.configMapKeyRef.name), how: `env ${String(variable.name)}`, env: true });
    }
    for (const source of asList(container.envFrom)) {
      if (isMap(source.secretRef)) refs.push({ kind: 'Secret', name: String(source.secretRef.name), how: 'envFrom', env: true });
      if (isMap(source.configMapRef)) refs.push({ kind: 'ConfigMap', name: String(source.configMapRef.name), how: 'envFrom', env: true });
    }
  }
  for (const volume of asList(spec.volumes)) {
    if (isMap(volume.secret)) refs.push({ kind: 'Secret', name: String(volume.secret.secretName), how: `volume ${String(volume.name)}`, env: false });
    if (isMap(volume.configMap)) refs.push({ kind: 'ConfigMap', name: String(volume.configMap.name), how: `volume ${String(volume.name)}`, env: false });
    const projected = isMap(volume.projected) ? asList(volume.projected.sources) : [];
    for (const source of projected) {
      if (isMap(source.secret)) refs.push({ kind: 'Secret', name: String(source.secret.name), how: `volume ${String(volume.name)}`, env: false });
      if (isMap(source.configMap)) refs.push({ kind: 'ConfigMap', name: String(source.configMap.name), how: `volume ${String(volume.name)}`, env: false });
    }
  }
  return refs;
}

function componentName(o: ObjectVersions): string {
  const object = (o.declared ?? o.live ?? o.stored) as (KubeObject & { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }) | undefined;
  return object?.metadata.labels?.component ?? object?.spec?.template?.metadata?.labels?.component ?? o.name;
}

/** A changed object whose only change is to its labels or annotations. */
function metadataOnly(analysis: Analysis): boolean {
  const meaningful = analysis.changes.filter((c) => c.noise === undefined);
  return analysis.kind === 'changed' && meaningful.length > 0 && meaningful.every((c) => c.fields[0] === 'metadata' && c.replacedCopies.length === 0);
}

/**
 * Why a workload's pods restart (its pod template changes), in words, most telling first; empty
 * when they do not. A checksum annotation reads as the ConfigMap or Secret it hashes. Changes that
 * only follow from another (a version label on the pod and on every ConfigMap it hashes) are named
 * only when nothing else explains the restart.
 */
function restartReasons(analysis: Analysis, bySource: Map<string, Analysis[]>, checksums: ChecksumSources): string[] {
  const o = analysis.object;
  const podSpec = POD_SPEC_AT[o.kind]!;
  const inTemplate = analysis.changes.filter((c) => startsWith(c.fields, ['spec', 'template']));
  const annotationsOf = checksums.get(o.source ?? '') ?? new Map<string, string[]>();
  const covered = (annotation: string) => (annotationsOf.get(annotation) ?? []).flatMap((template) => bySource.get(template) ?? []).filter((a) => a.object !== o);
  const images: string[] = [];
  const config = new Set<string>();
  const labelledConfig = new Set<string>();
  const env = new Map<string, Set<string>>();
  const other = new Set<string>();
  const podLabels = new Set<string>();
  const podAnnotations = new Set<string>();
  const addConfig = (target: Analysis) => {
    if (metadataOnly(target)) labelledConfig.add(`${target.object.kind} \`${target.object.name}\``);
    else config.add(describeConfigChange(target));
  };
  for (const change of inTemplate) {
    if (change.noise === 'default') continue;
    const rest = change.fields.slice(podSpec.length);
    if (isChecksumAnnotation(change.fields)) {
      const annotation = change.fields[change.fields.length - 1]!;
      if (change.noise === 'random') {
        config.add(`\`${annotation}\`, which the chart renders anew on every deploy`);
        continue;
      }
      const targets = covered(annotation).filter((a) => a.kind);
      if (targets.length === 0) config.add(`what \`${annotation}\` hashes`);
      for (const target of targets) addConfig(target);
      continue;
    }
    if (change.noise === 'random') continue;
    if (!startsWith(change.fields, podSpec)) {
      const key = `\`${change.fields[change.fields.length - 1]}\``;
      (change.fields[change.fields.length - 2] === 'labels' ? podLabels : podAnnotations).add(key);
      continue;
    }
    const inContainer = (rest[0] === 'containers' || rest[0] === 'initContainers') && rest.length >= 2;
    const containerSegment = change.segments[podSpec.length + 1];
    const container = containerSegment && 'item' in containerSegment ? containerSegment.item : '';
    if (inContainer && rest[1] === 'image' && rest.length === 2) images.push(imageChange(change.live, change.declared));
    else if (inContainer && rest[1] === 'env') {
      const name = change.segments[podSpec.length + 3];
      env.set(container, (env.get(container) ?? new Set()).add(name && 'item' in name ? `\`${name.item}\`` : 'env'));
    } else if (inContainer) other.add(`${rest[1]} of ${container}`);
    else other.add(rest[0] ?? 'pod spec');
  }
  // A copy of a Secret the deploy replaces (the Redis password in a ConfigMap) changes what a
  // checksum hashes, although this render, made before the deploy writes the Secret, still holds the old value.
  const declaredAnnotations = (o.declared?.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template?.metadata?.annotations ?? {};
  for (const annotation of Object.keys(declaredAnnotations).filter((a) => a.startsWith('checksum/'))) {
    for (const target of covered(annotation)) if (target.changes.some((c) => c.replacedCopies.length > 0)) config.add(describeConfigChange(target));
  }
  const reasons: string[] = [];
  if (images.length > 0) reasons.push(`new image${images.length > 1 ? 's' : ''} ${images.join(', ')}`);
  if (config.size > 0) reasons.push(`config changed: ${[...config].join(', ')}`);
  for (const [container, names] of env) reasons.push(`env of ${container}: ${[...names].join(', ')}`);
  if (other.size > 0) reasons.push([...other].join(', '));
  if (podAnnotations.size > 0) reasons.push(`pod annotations ${[...podAnnotations].join(', ')}`);
  if (reasons.length > 0) return reasons;
  if (labelledConfig.size > 0) reasons.push(`labels of ${[...labelledConfig].join(', ')} (their checksums are on the pod template)`);
  if (podLabels.size > 0) reasons.push(`pod labels ${[...podLabels].join(', ')}`);
  return reasons;
}

function scaleChange(analysis: Analysis): string | undefined {
  const replicas = analysis.changes.find((c) => c.noise === undefined && c.fields.length === 2 && c.fields[0] === 'spec' && c.fields[1] === 'replicas');
  return replicas ? `scales ${replicas.live ?? 1} → ${replicas.declared ?? 1}` : undefined;
}

const KIND_ORDER = ['Deployment', 'StatefulSet', 'DaemonSet', 'ConfigMap', 'Secret', 'Service'];
const kindRank = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);

export function analyseChanges(inputs: ChangeInputs): ChangeReport {
  const { knowledge } = inputs;
  const analyses: Analysis[] = inputs.objects.map((object) => {
    const changes = leafChanges(object, knowledge);
    return { object, changes, kind: classify(object, changes) };
  });
  const bySource = new Map<string, Analysis[]>();
  for (const analysis of analyses) if (analysis.object.source) bySource.set(analysis.object.source, [...(bySource.get(analysis.object.source) ?? []), analysis]);

  // Labels and annotations that change the same way on many objects: one line, not one per object.
  const foldObjects = new Map<string, Set<string>>();
  for (const analysis of analyses.filter((a) => a.kind === 'changed')) {
    for (const change of analysis.changes) {
      const key = foldKey(change);
      if (key) foldObjects.set(key, (foldObjects.get(key) ?? new Set()).add(objectKey(analysis.object)));
    }
  }
  const foldedKeys = new Set([...foldObjects].filter(([, objects]) => objects.size >= FOLD_MIN_OBJECTS).map(([key]) => key));
  const folds: string[] = [];
  for (const key of foldedKeys) {
    const [where, name, from, to] = JSON.parse(key) as [string, string, unknown, unknown];
    // Masked before it is cut: a cut could split a secret past recognition.
    const show = (value: unknown) => (value === null ? 'absent' : describeValue(typeof value === 'string' ? knowledge.mask(value, 'before') : value));
    folds.push(`${where === 'labels' ? 'label' : 'annotation'} \`${name}\` ${show(from)} → ${show(to)} on ${foldObjects.get(key)!.size} objects`);
  }
  const checksumWorkloads = analyses.filter((a) => a.kind === 'changed' && a.changes.some((c) => c.noise === 'checksum'));
  if (checksumWorkloads.length > 0) {
    const names = [...new Set(checksumWorkloads.flatMap((a) => a.changes.filter((c) => c.noise === 'checksum').map((c) => c.fields[c.fields.length - 1]!)))];
    folds.push(`checksum annotations (${names.map((n) => `\`${n}\``).join(', ')}) on ${checksumWorkloads.length} workload(s): read as the restart reasons above`);
  }
  const defaults = analyses.flatMap((a) => a.changes.filter((c) => c.noise === 'default').map((c) => ({ a, c })));
  if (defaults.length > 0) {
    const examples = [...new Set(defaults.map(({ c }) => `\`${c.fields.slice(-2).join('.')}: ${describeValue(c.declared ?? c.live)}\``))].slice(0, 3);
    folds.push(`${defaults.length} field(s) on ${new Set(defaults.map(({ a }) => a)).size} object(s) that state or leave out a value the API server sets anyway (${examples.join(', ')}${examples.length < new Set(defaults.map(({ c }) => c.fields.slice(-2).join('.'))).size ? ', …' : ''})`);
  }
  const random = analyses.flatMap((a) => a.changes.filter((c) => c.noise === 'random'));
  if (random.length > 0) folds.push(`${random.length} field(s) the chart renders anew on every render (a generated key or certificate): not compared`);

  const objects: ObjectChange[] = analyses
    .filter((a) => a.kind)
    .map((a) => {
      const changes = new Map(a.changes.map((c) => [c.path, c]));
      const folded = new Set(a.changes.filter((c) => foldedKeys.has(foldKey(c) ?? '')).map((c) => c.path));
      const texts = shownTexts(a.object, changes, folded, knowledge);
      const diff = unifiedDiff(texts.before, texts.after);
      const foldedOnly = a.kind === 'changed' && a.changes.every((c) => c.noise !== undefined || folded.has(c.path));
      return { kind: a.object.kind, name: a.object.name, change: a.kind!, diff, foldedOnly };
    })
    .sort((x, y) => kindRank(x.kind) - kindRank(y.kind));

  const components: ComponentChange[] = [];
  for (const analysis of analyses.filter((a) => WORKLOADS.has(a.object.kind) && a.kind)) {
    const o = analysis.object;
    const base = { component: componentName(o), workload: `${o.kind} ${o.name}` };
    if (analysis.kind === 'added') components.push({ ...base, restarts: true, reasons: ['new: its pods start'] });
    else if (analysis.kind === 'removed') components.push({ ...base, restarts: false, reasons: ['removed: its pods stop'] });
    else if (analysis.kind === 'recreated') components.push({ ...base, restarts: true, reasons: ['deleted on the cluster: re-created, its pods start'] });
    else {
      const reasons = restartReasons(analysis, bySource, inputs.checksums);
      const scale = scaleChange(analysis);
      if (reasons.length > 0 || scale) components.push({ ...base, restarts: reasons.length > 0, reasons: [...reasons, ...(scale ? [scale] : [])] });
    }
  }
  // Workloads whose template a copied Secret changes though no template field differs yet (a Redis password rotation).
  for (const analysis of analyses.filter((a) => WORKLOADS.has(a.object.kind) && !a.kind && a.object.declared && a.object.live)) {
    const reasons = restartReasons(analysis, bySource, inputs.checksums);
    if (reasons.length > 0) components.push({ component: componentName(analysis.object), workload: `${analysis.object.kind} ${analysis.object.name}`, restarts: true, reasons });
  }

  const changedConfigs = analyses.filter(
    (a) => (a.object.kind === 'Secret' || a.object.kind === 'ConfigMap') && a.kind === 'changed' && a.changes.some((c) => c.noise === undefined && (CONFIG_DATA.has(c.fields[0]!) || c.replacedCopies.length > 0)),
  );
  const secrets: SecretChange[] = analyses
    .filter((a) => a.object.kind === 'Secret' && a.kind && (a.kind !== 'changed' || changedConfigs.includes(a)))
    .map((a) => ({
      name: a.object.name,
      change: a.kind!,
      keys: [...new Set(a.kind === 'changed' ? a.changes.filter((c) => c.noise === undefined && CONFIG_DATA.has(c.fields[0]!)).map((c) => c.fields[1]!) : Object.keys(((a.object.declared ?? a.object.live) as { data?: object })?.data ?? {}))],
    }));

  const restarting = new Set(components.filter((c) => c.restarts).map((c) => c.workload));
  const staleReaders: string[] = [];
  for (const analysis of analyses.filter((a) => WORKLOADS.has(a.object.kind) && a.object.declared && a.object.live)) {
    const workload = `${analysis.object.kind} ${analysis.object.name}`;
    if (restarting.has(workload)) continue;
    const component = componentName(analysis.object);
    for (const ref of configReferences(analysis.object.declared!)) {
      if (!changedConfigs.some((c) => c.object.kind === ref.kind && c.object.name === ref.name)) continue;
      const consequence = ref.env
        ? `keeps the old value until its pods restart (\`kubectl rollout restart ${analysis.object.kind.toLowerCase()}/${analysis.object.name} -n ${inputs.namespace}\`)`
        : 'gets the new files when the kubelet syncs the volume; a component that reads them only at start needs a restart';
      staleReaders.push(`${component} reads ${ref.kind} \`${ref.name}\` (${ref.how}) and does not restart: it ${consequence}`);
    }
  }

  const liveEdits: string[] = [];
  for (const analysis of analyses) {
    const o = analysis.object;
    if (analysis.kind === 'recreated') {
      liveEdits.push(`${o.kind} \`${o.name}\` was deleted on the cluster: a deploy re-creates it`);
      continue;
    }
    const edits = analysis.changes.filter((c) => c.liveEdit);
    if (edits.length === 0) continue;
    const shown = edits.slice(0, EDITS_PER_OBJECT).map((c) => {
      if (isSecretData(o.kind, c.fields)) return `\`${c.path}\` changed`;
      const mask = (value: unknown, side: 'before' | 'after') => describeValue(typeof value === 'string' ? knowledge.mask(value, side) : value);
      return `\`${c.path}\` is ${mask(c.live, 'before')} on the cluster, ${mask(c.declared, 'after')} declared`;
    });
    const more = edits.length > EDITS_PER_OBJECT ? `, and ${edits.length - EDITS_PER_OBJECT} more` : '';
    liveEdits.push(`${o.kind} \`${o.name}\`: ${shown.join('; ')}${more}`);
  }

  const recordOnly = analyses.filter((a) => !a.kind && recordDiffers(a.object)).map((a) => `${a.object.kind} \`${a.object.name}\``);
  return { versions: inputs.versions, components, objects, secrets, staleReaders, liveEdits, folds, recordOnly, values: valuesChange(inputs) };
}

/** The values helm gets vs the release's: a diff of the two trees, known secrets masked. */
function valuesChange(inputs: ChangeInputs): { diff: string; changed: number } {
  const { declared, live, secretPaths } = inputs.values;
  const { knowledge } = inputs;
  let changed = 0;
  const show = (value: unknown, side: 'before' | 'after', path: string, differs: boolean): unknown => {
    if (value === undefined) return undefined;
    if (secretPaths.has(path)) return side === 'after' && differs ? SECRET_CHANGED : SECRET_SHOWN;
    return typeof value === 'string' ? knowledge.mask(value, side, side === 'after' && differs) : value;
  };
  const shown = walkThreeWay(declared, live, live, undefined, (leaf) => {
    const d = present(leaf.declared);
    const l = present(leaf.live);
    const differs = !same(d, l);
    if (differs) changed++;
    const before = show(l, 'before', leaf.path, false);
    const after = show(d, 'after', leaf.path, false);
    return { before, after: differs && same(before, after) ? show(d, 'after', leaf.path, true) : after };
  });
  const dump = (tree: unknown) => (tree === undefined || (isMap(tree) && Object.keys(tree).length === 0) ? '' : yaml.dump(tree, { lineWidth: -1, noRefs: true }));
  return { diff: changed > 0 ? unifiedDiff(dump(shown.before), dump(shown.after)) : '', changed };
}
