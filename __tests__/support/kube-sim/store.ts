/**
 * The object store: one integer resourceVersion for everything, an event log for watch replay,
 * and the write semantics the clients rely on (no-op updates keep the resourceVersion, generation
 * follows spec changes, .status only through the status subresource, stale resourceVersion → 409).
 */
import { randomUUID } from 'node:crypto';
import { applyDefaults } from './defaults.js';
import { alreadyExists, ApiError, conflict, notFound } from './errors.js';
import { deepClone, deepEqual } from './patch.js';
import { groupVersionOf, type ResourceType } from './resources.js';
import { validateObject } from './validation.js';
import type { KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  rv: number;
  typeKey: string;
  type: WatchEventType;
  object: KubeObject;
  previous?: KubeObject;
}

export interface WriteOptions {
  dryRun?: boolean;
}


export function typeKeyOf(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${type.group}/${type.plural}`;
}

/**
 * A built-in object is decoded into Go structs: a field sent as null becomes its zero value and,
 * being `omitempty`, is not stored (a chart's `subPath: {{ empty }}` renders `subPath: null`, and
 * the API server returns the mount without it).
 */
function dropNullFields(node: unknown): void {
  if (Array.isArray(node)) node.forEach(dropNullFields);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (value === null) delete (node as Record<string, unknown>)[key];
      else dropNullFields(value);
    }
  }
}

export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function randomSuffix(length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

/** The parts of an object whose change bumps metadata.generation. */
function specOf(object: KubeObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return rest;
}

export class Store {
  private resourceVersion = 1000;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly types = new Map<string, ResourceType>();
  private readonly events: StoreEvent[] = [];
  private oldestRetainedRv = 0;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly appliedConfigs = new Map<string, Record<string, unknown>>();
  private nextClusterIp = 10;
  /** Counts every state change; the server compares it around a request to journal writes. */
  mutations = 0;

  /** `eventHistoryLimit`: how many changes stay replayable for watches from an older resourceVersion. */
  constructor(private readonly eventHistoryLimit = 50_000) {}

  currentResourceVersion(): number {
    return this.resourceVersion;
  }

  oldestReplayableVersion(): number {
    return this.oldestRetainedRv;
  }

  register(type: ResourceType): void {
    this.types.set(typeKeyOf(type), type);
  }

  typeOf(typeKey: string): ResourceType | undefined {
    return this.types.get(typeKey);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  eventsAfter(typeKey: string, rv: number): StoreEvent[] {
    return this.events.filter((e) => e.rv > rv && e.typeKey === typeKey);
  }

  private bucket(type: ResourceType): Map<string, KubeObject> {
    const key = typeKeyOf(type);
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(key, bucket);
      this.types.set(key, type);
    }
    return bucket;
  }

  private emit(type: ResourceType, eventType: WatchEventType, object: KubeObject, previous?: KubeObject): void {
    this.mutations++;
    const event: StoreEvent = { rv: this.resourceVersion, typeKey: typeKeyOf(type), type: eventType, object: deepClone(object), previous };
    this.events.push(event);
    if (this.events.length > this.eventHistoryLimit) {
      const dropped = this.events.splice(0, Math.ceil(this.eventHistoryLimit / 2));
      this.oldestRetainedRv = dropped[dropped.length - 1]!.rv;
    }
    for (const listener of this.listeners) listener(event);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.bucket(type).get(objectKey(type.namespaced ? namespace : undefined, name));
    return found ? deepClone(found) : undefined;
  }

  list(type: ResourceType, namespace?: string, filter?: (object: KubeObject) => boolean): KubeObject[] {
    const items: KubeObject[] = [];
    for (const object of this.bucket(type).values()) {
      if (namespace && type.namespaced && object.metadata.namespace !== namespace) continue;
      if (filter && !filter(object)) continue;
      items.push(deepClone(object));
    }
    return items.sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  }

  /** Every stored object, for garbage collection and namespace cleanup. */
  allObjects(): { type: ResourceType; object: KubeObject }[] {
    const out: { type: ResourceType; object: KubeObject }[] = [];
    for (const [key, bucket] of this.objects) {
      const type = this.types.get(key)!;
      for (const object of bucket.values()) out.push({ type, object });
    }
    return out;
  }

  private requireNamespace(type: ResourceType, namespace: string | undefined): void {
    if (!type.namespaced) return;
    if (!namespace) throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    const nsType = this.types.get('/namespaces');
    const ns = nsType ? this.bucket(nsType).get(objectKey(undefined, namespace)) : undefined;
    if (!ns) throw notFound('', 'namespaces', namespace);
  }

  create(type: ResourceType, input: KubeObject, options: WriteOptions = {}): KubeObject {
    const object = deepClone(input);
    object.apiVersion = groupVersionOf(type);
    object.kind = type.kind;
    object.metadata ??= {};
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix(5)}`;
    if (!meta.name) throw new ApiError(422, 'Invalid', `${type.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
    if (!type.namespaced) delete meta.namespace;
    this.requireNamespace(type, meta.namespace);
    if (type.namespaced && meta.namespace) {
      const nsObj = this.bucket(this.types.get('/namespaces')!).get(objectKey(undefined, meta.namespace));
      if (nsObj?.metadata.deletionTimestamp) {
        throw new ApiError(403, 'Forbidden', `${type.plural} "${meta.name}" is forbidden: unable to create new content in namespace ${meta.namespace} because it is being terminated`);
      }
    }
    const bucket = this.bucket(type);
    const key = objectKey(meta.namespace, meta.name);
    if (bucket.has(key)) throw alreadyExists(type.group, type.plural, meta.name);
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    if (type.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    delete meta.deletionTimestamp;
    delete meta.managedFields;
    delete meta.selfLink;
    if (type.builtIn) dropNullFields(object);
    applyDefaults(object);
    validateObject(type, object);
    this.defaultFromIdentity(object);
    this.initialStatus(type, object);
    if (options.dryRun) {
      meta.resourceVersion = String(this.resourceVersion);
      return object;
    }
    this.resourceVersion++;
    meta.resourceVersion = String(this.resourceVersion);
    bucket.set(key, object);
    this.emit(type, 'ADDED', object);
    return deepClone(object);
  }

  /** Defaults that need the new object's uid: a Job's generated selector and pod labels. */
  private defaultFromIdentity(object: KubeObject): void {
    if (object.kind !== 'Job' || object.spec?.manualSelector) return;
    const labels = { 'batch.kubernetes.io/controller-uid': object.metadata.uid!, 'batch.kubernetes.io/job-name': object.metadata.name!, 'controller-uid': object.metadata.uid!, 'job-name': object.metadata.name! };
    object.spec.selector ??= { matchLabels: { 'batch.kubernetes.io/controller-uid': object.metadata.uid } };
    object.spec.template ??= {};
    object.spec.template.metadata ??= {};
    object.spec.template.metadata.labels = { ...(object.spec.template.metadata.labels ?? {}), ...labels };
  }

  private initialStatus(type: ResourceType, object: KubeObject): void {
    if (type.kind === 'Service') {
      const spec = object.spec;
      if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
        const n = this.nextClusterIp++;
        spec.clusterIP = `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
      }
      if (spec.clusterIP && spec.clusterIP !== 'None') spec.clusterIPs ??= [spec.clusterIP];
      spec.ipFamilies ??= ['IPv4'];
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
        for (const port of spec.ports ?? []) port.nodePort ??= 30000 + (this.nextClusterIp++ % 2768);
      }
      object.status = spec.type === 'LoadBalancer' ? { loadBalancer: { ingress: [{ ip: '127.0.0.1', ipMode: 'VIP' }] } } : { loadBalancer: {} };
      return;
    }
    if (type.kind === 'Namespace') object.status = { phase: 'Active' };
    else if (type.kind === 'PersistentVolumeClaim') object.status = { phase: 'Pending' };
    else if (type.kind === 'PersistentVolume') object.status = { phase: 'Available' };
    else if (type.builtIn && type.subresources.includes('status') && type.kind !== 'Pod') object.status = {};
  }

  /**
   * Replaces an object. `subresource` 'status' takes only .status from the input; the main
   * resource keeps the stored .status. A missing resourceVersion means "last write wins".
   */
  update(type: ResourceType, input: KubeObject, options: WriteOptions & { subresource?: string } = {}): KubeObject {
    const meta = input.metadata ?? {};
    const name = meta.name ?? '';
    const namespace = type.namespaced ? meta.namespace : undefined;
    const bucket = this.bucket(type);
    const key = objectKey(namespace, name);
    const existing = bucket.get(key);
    if (!existing) throw notFound(type.group, type.plural, name);
    if (meta.resourceVersion && meta.resourceVersion !== existing.metadata.resourceVersion) throw conflict(type.group, type.plural, name);
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = deepClone(existing);
      next.status = deepClone(input.status);
    } else {
      next = deepClone(input);
      next.apiVersion = groupVersionOf(type);
      next.kind = type.kind;
      next.metadata = { ...deepClone(meta) };
      for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'generation'] as const) {
        if (existing.metadata[field] === undefined) delete next.metadata[field];
        else next.metadata[field] = existing.metadata[field] as never;
      }
      next.metadata.namespace = namespace;
      if (!type.namespaced) delete next.metadata.namespace;
      delete next.metadata.managedFields;
      delete next.metadata.selfLink;
      if (type.builtIn) dropNullFields(next);
      if (type.subresources.includes('status') || type.kind === 'Namespace') {
        if (existing.status === undefined) delete next.status;
        else next.status = deepClone(existing.status);
      }
      applyDefaults(next);
      if (type.kind === 'Service') {
        next.spec.clusterIP ??= existing.spec?.clusterIP;
        next.spec.clusterIPs ??= existing.spec?.clusterIPs;
        next.spec.ipFamilies ??= existing.spec?.ipFamilies;
        for (const port of next.spec.ports ?? []) {
          const before = (existing.spec?.ports ?? []).find((p: { port?: number; nodePort?: number }) => p.port === port.port);
          if (port.nodePort === undefined && before?.nodePort !== undefined && (next.spec.type === 'NodePort' || next.spec.type === 'LoadBalancer')) port.nodePort = before.nodePort;
        }
      }
      validateObject(type, next);
      if (type.tracksGeneration && !deepEqual(specOf(next), specOf(existing))) next.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    }
    next.metadata.resourceVersion = existing.metadata.resourceVersion;
    if (deepEqual(next, existing)) return deepClone(existing);
    if (options.dryRun) return next;
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && type.kind !== 'Namespace') {
      return this.remove(type, next);
    }
    this.resourceVersion++;
    next.metadata.resourceVersion = String(this.resourceVersion);
    bucket.set(key, next);
    this.emit(type, 'MODIFIED', next, existing);
    return deepClone(next);
  }

  private remove(type: ResourceType, object: KubeObject): KubeObject {
    const bucket = this.bucket(type);
    const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
    const previous = bucket.get(key);
    bucket.delete(key);
    for (const configKey of [...this.appliedConfigs.keys()]) if (configKey.startsWith(`${typeKeyOf(type)}|${key}|`)) this.appliedConfigs.delete(configKey);
    this.resourceVersion++;
    const gone = deepClone(object);
    gone.metadata.resourceVersion = String(this.resourceVersion);
    this.emit(type, 'DELETED', gone, previous);
    return gone;
  }

  /**
   * Deletes an object. Namespaces and objects with finalizers are only marked (deletionTimestamp);
   * the controllers finish the job. Dependents (ownerReferences) go too unless the policy is Orphan.
   */
  delete(type: ResourceType, namespace: string | undefined, name: string, options: WriteOptions & { propagationPolicy?: string; preconditionUid?: string } = {}): KubeObject {
    const bucket = this.bucket(type);
    const key = objectKey(type.namespaced ? namespace : undefined, name);
    const existing = bucket.get(key);
    if (!existing) throw notFound(type.group, type.plural, name);
    if (options.preconditionUid && options.preconditionUid !== existing.metadata.uid) {
      throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${options.preconditionUid}, UID in object meta: ${existing.metadata.uid}`);
    }
    if (options.dryRun) return deepClone(existing);
    const marksOnly = type.kind === 'Namespace' || (existing.metadata.finalizers ?? []).length > 0;
    if (marksOnly) {
      if (existing.metadata.deletionTimestamp) return deepClone(existing);
      const marked = deepClone(existing);
      marked.metadata.deletionTimestamp = nowTimestamp();
      if (type.kind === 'Namespace') marked.status = { ...(marked.status ?? {}), phase: 'Terminating' };
      this.resourceVersion++;
      marked.metadata.resourceVersion = String(this.resourceVersion);
      bucket.set(key, marked);
      this.emit(type, 'MODIFIED', marked, existing);
      return deepClone(marked);
    }
    const gone = this.remove(type, existing);
    if (options.propagationPolicy !== 'Orphan') this.deleteDependents(existing.metadata.uid!);
    return gone;
  }

  /** Finishes a namespace's deletion once its content is gone (called by the controllers). */
  finalizeNamespace(nsType: ResourceType, name: string): void {
    const existing = this.bucket(nsType).get(objectKey(undefined, name));
    if (existing?.metadata.deletionTimestamp) this.remove(nsType, existing);
  }

  deleteDependents(ownerUid: string): void {
    for (const { type, object } of this.allObjects()) {
      if ((object.metadata.ownerReferences ?? []).some((ref) => ref.uid === ownerUid)) {
        try {
          this.delete(type, object.metadata.namespace, object.metadata.name!, {});
        } catch {
          // Already gone through another owner.
        }
      }
    }
  }

  appliedConfig(type: ResourceType, namespace: string | undefined, name: string, manager: string): Record<string, unknown> | undefined {
    return this.appliedConfigs.get(`${typeKeyOf(type)}|${objectKey(type.namespaced ? namespace : undefined, name)}|${manager}`);
  }

  rememberAppliedConfig(type: ResourceType, namespace: string | undefined, name: string, manager: string, config: Record<string, unknown>): void {
    this.appliedConfigs.set(`${typeKeyOf(type)}|${objectKey(type.namespaced ? namespace : undefined, name)}|${manager}`, deepClone(config));
  }
}
