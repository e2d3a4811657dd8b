import yaml from 'js-yaml';
import { formatSeconds, log } from '../report/log.js';
import { redact } from '../report/redact.js';
import { runTool, startTool, ToolError, type ToolRunOptions, type ToolRunResult } from '../tools/exec.js';
import { type KubeApi, KubeApiError } from './api-client.js';
import type { KubeObject } from './manifests.js';
import { collectionPath, objectPath } from './resource-paths.js';

/** An object to read, by what identifies it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The `kubectl get` resource argument for a kind: `deployments.v1.apps`-style names need no discovery of ours. */
const RESOURCE_OF: Record<string, [apiVersion: string, kind: string]> = {
  namespace: ['v1', 'Namespace'],
  secret: ['v1', 'Secret'],
  'deployments.apps': ['apps/v1', 'Deployment'],
  'statefulsets.apps': ['apps/v1', 'StatefulSet'],
  pods: ['v1', 'Pod'],
  events: ['v1', 'Event'],
  persistentvolumeclaims: ['v1', 'PersistentVolumeClaim'],
  'leases.coordination.k8s.io': ['coordination.k8s.io/v1', 'Lease'],
};

/**
 * A create or replace the API server refused with 409: the object exists already (AlreadyExists),
 * or it changed since the resourceVersion the write carried (Conflict). Optimistic concurrency:
 * whoever wrote first won, and the loser reads the object again.
 */
export class WriteConflictError extends Error {
  constructor(
    message: string,
    readonly reason: 'AlreadyExists' | 'Conflict',
  ) {
    super(message);
    this.name = 'WriteConflictError';
  }
}

/**
 * For kubectl: how long a write may take, and whether it still runs after a cancel (releasing a
 * lock). The API client bounds its own requests (and, after a cancel, by the time left).
 */
export interface WriteOptions {
  timeoutMs?: number;
  evenIfCancelled?: boolean;
}

/**
 * The cluster as this action sees it: one kubeconfig, one context. Reads, server-side applies and
 * access reviews go through the API client's warm connections when it speaks the kubeconfig
 * (in parallel where they are independent); everything else, and every call when it does not,
 * through kubectl and runTool.
 */
export interface ClusterAccess {
  kubectlPath: string;
  kubeconfig: string;
  context?: string;
}

export const FIELD_MANAGER = 'harbor-tke-action';

export class Kubectl {
  constructor(
    readonly access: ClusterAccess,
    readonly api?: KubeApi,
  ) {}

  private args(args: string[]): string[] {
    return ['--kubeconfig', this.access.kubeconfig, ...(this.access.context ? ['--context', this.access.context] : []), ...args];
  }

  run(args: string[], options?: ToolRunOptions): Promise<ToolRunResult> {
    return runTool(this.access.kubectlPath, this.args(args), options);
  }

  async json<T>(args: string[], options: ToolRunOptions = {}): Promise<T> {
    const { stdout } = await this.run([...args, '-o', 'json'], { quietStdout: true, ...options });
    return JSON.parse(stdout) as T;
  }

  /**
   * The object, or undefined when it does not exist. Redacted like kubectl's output unless
   * `rawStdout` (for comparing a Secret's data): it is never logged either way.
   */
  async get<T = KubeObject>(resource: string, name: string, namespace?: string, options: ToolRunOptions = {}): Promise<T | undefined> {
    const known = RESOURCE_OF[resource];
    const path = known && this.api ? objectPath(known[0], known[1], namespace, name) : undefined;
    if (path && this.api) {
      const object = await this.api.get<T>(path);
      return object === undefined || options.rawStdout ? object : (JSON.parse(redact(JSON.stringify(object))) as T);
    }
    const { stdout } = await this.run(['get', resource, name, ...(namespace ? ['-n', namespace] : []), '--ignore-not-found', '-o', 'json'], { quietStdout: true, ...options });
    return stdout.trim() ? (JSON.parse(stdout) as T) : undefined;
  }

  /**
   * Many objects at once, by key (`Kind/name`), unredacted (for comparisons; never logged). Absent
   * ones are left out. In parallel through the API client; kubectl reads the rest from a file.
   */
  async getObjects(refs: ObjectRef[], fileOfRefs: () => string): Promise<Map<string, KubeObject>> {
    const found = new Map<string, KubeObject>();
    const started = performance.now();
    const byApi = this.api ? refs.filter((ref) => objectPath(ref.apiVersion, ref.kind, ref.namespace, ref.name)) : [];
    const rest = refs.filter((ref) => !byApi.includes(ref));
    const api = this.api;
    await Promise.all([
      ...byApi.map(async (ref) => {
        const object = await api!.get<KubeObject>(objectPath(ref.apiVersion, ref.kind, ref.namespace, ref.name)!);
        if (object) found.set(`${ref.kind}/${ref.name}`, object);
      }),
      (async () => {
        if (rest.length === 0) return;
        const { stdout } = await this.run(['get', '-f', fileOfRefs(), '--ignore-not-found', '-o', 'json'], { rawStdout: true });
        if (!stdout.trim()) return;
        const parsed = JSON.parse(stdout) as KubeObject & { items?: KubeObject[] };
        for (const object of parsed.items ?? [parsed]) found.set(`${object.kind}/${object.metadata.name}`, object);
      })(),
    ]);
    if (byApi.length > 0) log.info(`Read ${byApi.length} object(s) from the API server in parallel in ${formatSeconds(performance.now() - started)}`);
    return found;
  }

  /** The objects of a kind in a namespace that match a label selector. */
  async list(resource: string, namespace: string, selector?: string): Promise<KubeObject[]> {
    const known = RESOURCE_OF[resource];
    const path = known && this.api ? collectionPath(known[0], known[1], namespace) : undefined;
    if (path && this.api) {
      const list = await this.api.get<{ items: KubeObject[] }>(`${path}${selector ? `?labelSelector=${encodeURIComponent(selector)}` : ''}`);
      return (list?.items ?? []).map((item) => ({ ...item, apiVersion: known![0], kind: known![1] }));
    }
    return (await this.json<{ items: KubeObject[] }>(['get', resource, '-n', namespace, ...(selector ? ['-l', selector] : [])])).items;
  }

  /** Server-side apply, owned by this action: idempotent, and a no-op when nothing changed. */
  async apply(objects: KubeObject[], group?: string): Promise<void> {
    const paths = objects.map((o) => objectPath(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name));
    if (this.api && paths.every(Boolean)) {
      const api = this.api;
      const started = performance.now();
      await Promise.all(objects.map((object, index) => api.apply(paths[index]!, object, FIELD_MANAGER)));
      log.info(`Applied ${objects.map((o) => `${o.kind} ${o.metadata.name}`).join(', ')} (server-side, field manager ${FIELD_MANAGER}) in ${formatSeconds(performance.now() - started)}`);
      return;
    }
    const documents = objects.map((object) => yaml.dump(object, { lineWidth: -1, noRefs: true })).join('---\n');
    await this.run(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts', '-f', '-'], { stdin: documents, group });
  }

  /** Creates `object` (POST); WriteConflictError when it exists already. Returns it as stored (with its resourceVersion). */
  async create<T extends KubeObject>(object: T, options: WriteOptions = {}): Promise<T> {
    const path = collectionPath(object.apiVersion, object.kind, object.metadata.namespace);
    return this.write('create', object, path, (api) => api.post<T>(path!, object), options);
  }

  /**
   * Replaces `object` whole (PUT). With metadata.resourceVersion set, the API server refuses it
   * with WriteConflictError when the object changed since that version was read.
   */
  async replace<T extends KubeObject>(object: T, options: WriteOptions = {}): Promise<T> {
    const path = objectPath(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name);
    return this.write('replace', object, path, (api) => api.put<T>(path!, object), options);
  }

  private async write<T extends KubeObject>(verb: 'create' | 'replace', object: T, path: string | undefined, byApi: (api: KubeApi) => Promise<T>, options: WriteOptions): Promise<T> {
    const what = `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
    if (path && this.api) {
      try {
        return await byApi(this.api);
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 409) throw new WriteConflictError(`${verb} ${what}: ${error.message}`, error.reason === 'AlreadyExists' ? 'AlreadyExists' : 'Conflict');
        throw error;
      }
    }
    try {
      const { stdout } = await this.run([verb, '-f', '-', '-o', 'json'], { stdin: JSON.stringify(object), quietStdout: true, timeoutMs: options.timeoutMs, evenIfCancelled: options.evenIfCancelled });
      return JSON.parse(stdout) as T;
    } catch (error) {
      // kubectl prints the API's Status reason: `Error from server (Conflict): error when replacing "STDIN": …`.
      const reason = error instanceof ToolError ? /Error from server \((AlreadyExists|Conflict)\)/.exec(error.stderr)?.[1] : undefined;
      if (reason) throw new WriteConflictError(`${verb} ${what}: ${(error as ToolError).stderr.trim().split('\n').pop()}`, reason as 'AlreadyExists' | 'Conflict');
      throw error;
    }
  }

  /** The API server's version (`gitVersion`). */
  async serverVersion(): Promise<string> {
    if (this.api) return (await this.api.get<{ gitVersion?: string }>('/version'))?.gitVersion ?? 'unknown';
    const version = await this.json<{ serverVersion?: { gitVersion?: string } }>(['version'], { quietStdout: true });
    return version.serverVersion?.gitVersion ?? 'unknown';
  }

  /** Whether the API serves a resource (`virtualservices.networking.istio.io`). */
  async serves(resource: string, groupVersion: string): Promise<boolean> {
    const plural = resource.split('.')[0]!;
    if (this.api) {
      const list = await this.api.get<{ resources?: { name: string }[] }>(`/apis/${groupVersion}`);
      return list?.resources?.some((entry) => entry.name === plural) ?? false;
    }
    const { stdout } = await this.run(['api-resources', `--api-group=${groupVersion.split('/')[0]}`, '-o', 'name'], { quietStdout: true });
    return stdout.split('\n').includes(resource);
  }

  /** `kubectl auth can-i`, or the SelfSubjectAccessReview it sends, through the API client. */
  async canI(verb: string, resource: string, namespace?: string): Promise<boolean> {
    if (this.api) {
      const dot = resource.indexOf('.');
      const review = await this.api.post<{ status?: { allowed?: boolean } }>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb, resource: dot < 0 ? resource : resource.slice(0, dot), group: dot < 0 ? '' : resource.slice(dot + 1), ...(namespace ? { namespace } : {}) } },
      });
      return review.status?.allowed === true;
    }
    const { exitCode } = await this.run(['auth', 'can-i', verb, resource, ...(namespace ? ['-n', namespace] : [])], { acceptExitCodes: [1], quietStdout: true });
    return exitCode === 0;
  }

  /** `kubectl get --watch` streaming watch events (JSON) to the callback until stopped. */
  watch(resource: string, namespace: string, selector: string, onEvent: (event: { type: string; object: KubeObject }) => void) {
    const splitter = new JsonStreamSplitter((text) => onEvent(JSON.parse(text) as { type: string; object: KubeObject }));
    return startTool(this.access.kubectlPath, this.args(['get', resource, '-n', namespace, '-l', selector, '--watch', '--output-watch-events', '-o', 'json']), (chunk) => splitter.push(chunk));
  }
}

/** Splits a stream of concatenated JSON documents (kubectl's watch output) into whole documents. */
export class JsonStreamSplitter {
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;

  constructor(private readonly onDocument: (text: string) => void) {}

  push(chunk: string): void {
    const offset = this.buffer.length;
    this.buffer += chunk;
    for (let i = offset; i < this.buffer.length; i++) {
      const char = this.buffer[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (char === '\\') this.escaped = true;
        else if (char === '"') this.inString = false;
        continue;
      }
      if (char === '"') this.inString = true;
      else if (char === '{') {
        if (this.depth++ === 0) this.start = i;
      } else if (char === '}' && --this.depth === 0) {
        this.onDocument(this.buffer.slice(this.start, i + 1));
        this.buffer = this.buffer.slice(i + 1);
        i = -1;
      }
    }
  }
}
