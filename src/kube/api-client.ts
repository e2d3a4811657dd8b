import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import yaml from 'js-yaml';
import { readBody, sendHttp } from '../net/http-request.js';
import { registerSecret } from '../report/redact.js';
import { RunCancelledError } from '../run/cancel.js';

/**
 * The Kubernetes API over one pool of kept-alive connections, for the reads (and server-side
 * applies) the action makes many of. Each kubectl or helm process pays process start, a TLS
 * handshake and API discovery; across a long link (a runner far from its cluster) that is most
 * of a run. Here a read is one round trip on a warm connection, and independent reads go in
 * parallel. kubectl stays the client for what needs it: watches, logs, and any kubeconfig this
 * client does not speak (exec plugins, auth providers, a proxy), where callers fall back to it.
 *
 * On the action's node:http client (src/net/http-request.ts: not fetch, whose undici parser can
 * crash the process on servers that close a connection after the body; and it ends on a cancel).
 */
export class KubeApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; undefined when no answer came. */
    readonly status: number | undefined,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}

interface UserEntry {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}

interface KubeconfigFile {
  clusters?: { name?: string; cluster?: ClusterEntry }[];
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  users?: { name?: string; user?: UserEntry }[];
  'current-context'?: string;
}

/** Why this client cannot stand in for kubectl with a kubeconfig: callers then use kubectl. */
export interface Unsupported {
  unsupported: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

export class KubeApi {
  private constructor(
    private readonly base: URL,
    private readonly agent: HttpAgent | HttpsAgent,
    private readonly authorization: string | undefined,
  ) {}

  /** A client for the kubeconfig's context, or why kubectl must do it. */
  static fromKubeconfig(file: string, context: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeApi | Unsupported {
    let document: KubeconfigFile;
    try {
      document = (yaml.load(readFileSync(file, 'utf8')) ?? {}) as KubeconfigFile;
    } catch (error) {
      return { unsupported: `the kubeconfig could not be read (${error instanceof Error ? error.message : String(error)})` };
    }
    const contextName = context ?? document['current-context'];
    const entry = document.contexts?.find((c) => c.name === contextName)?.context;
    const cluster = document.clusters?.find((c) => c.name === entry?.cluster)?.cluster;
    const user = document.users?.find((u) => u.name === entry?.user)?.user ?? {};
    if (!cluster?.server) return { unsupported: `context ${contextName ?? '(none)'} names no cluster with a server` };
    if (user.exec || user['auth-provider']) return { unsupported: 'its user authenticates with an exec plugin or auth provider' };
    if (cluster['proxy-url']) return { unsupported: 'its cluster is reached through proxy-url' };
    const base = new URL(cluster.server);
    if (proxyApplies(base, env)) return { unsupported: 'a proxy (HTTPS_PROXY/HTTP_PROXY) applies to the API server' };
    const relative = (path: string) => (isAbsolute(path) ? path : join(dirname(file), path));
    const pem = (data: string | undefined, path: string | undefined) => (data ? Buffer.from(data, 'base64') : path ? readFileSync(relative(path)) : undefined);
    const tls = {
      ca: pem(cluster['certificate-authority-data'], cluster['certificate-authority']),
      cert: pem(user['client-certificate-data'], user['client-certificate']),
      key: pem(user['client-key-data'], user['client-key']),
      rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
      servername: cluster['tls-server-name'],
    };
    const agentOptions = { keepAlive: true, maxSockets: 8 };
    const agent = base.protocol === 'https:' ? new HttpsAgent({ ...agentOptions, ...tls }) : new HttpAgent(agentOptions);
    const token = user.token ?? (user.tokenFile ? readFileSync(relative(user.tokenFile), 'utf8').trim() : undefined);
    registerSecret(token);
    // kubectl sends no credentials over plain http; neither does this client.
    const authorization =
      base.protocol !== 'https:' ? undefined : token ? `Bearer ${token}` : user.username ? `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}` : undefined;
    return new KubeApi(base, agent, authorization);
  }

  /** GET a path; undefined when the object does not exist (404). */
  async get<T>(path: string): Promise<T | undefined> {
    const answer = await this.send('GET', path);
    if (answer.status === 404) return undefined;
    return this.parse<T>('GET', path, answer);
  }

  /** POST a JSON body: an access review, or an object to create (409 AlreadyExists when it exists). */
  async post<T>(path: string, body: unknown): Promise<T> {
    return this.parse<T>('POST', path, await this.send('POST', path, JSON.stringify(body), 'application/json'));
  }

  /** PUT an object whole; with its metadata.resourceVersion, 409 Conflict when it changed since (optimistic concurrency). */
  async put<T>(path: string, body: unknown): Promise<T> {
    return this.parse<T>('PUT', path, await this.send('PUT', path, JSON.stringify(body), 'application/json'));
  }

  /** Server-side apply of one object, owned by `fieldManager`, conflicts forced (the action owns what it applies). */
  async apply<T>(path: string, object: unknown, fieldManager: string): Promise<T> {
    const query = `?fieldManager=${encodeURIComponent(fieldManager)}&force=true`;
    return this.parse<T>('PATCH', path, await this.send('PATCH', `${path}${query}`, JSON.stringify(object), 'application/apply-patch+yaml'));
  }

  /** The raw answer of a GET: status and body text (for a caller that serves it on, unparsed). */
  async raw(path: string): Promise<{ status: number; contentType: string; body: Buffer }> {
    return this.send('GET', path);
  }

  close(): void {
    this.agent.destroy();
  }

  private parse<T>(method: string, path: string, answer: { status: number; body: Buffer }): T {
    const text = answer.body.toString('utf8');
    if (answer.status >= 400) {
      let status: { message?: string; reason?: string } = {};
      try {
        status = JSON.parse(text) as typeof status;
      } catch {
        // not a Status object
      }
      throw new KubeApiError(`${method} ${path}: ${answer.status} ${status.message ?? text.slice(0, 200)}`, answer.status, status.reason);
    }
    return JSON.parse(text) as T;
  }

  private async send(method: string, path: string, body?: string, contentType?: string): Promise<{ status: number; contentType: string; body: Buffer }> {
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}${path}`, this.base);
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'harbor-tke-action' };
    if (this.authorization) headers.Authorization = this.authorization;
    if (body !== undefined) headers['Content-Type'] = contentType ?? 'application/json';
    try {
      const answer = await sendHttp(url, { method, headers, body: body === undefined ? undefined : Buffer.from(body), idleTimeoutMs: REQUEST_TIMEOUT_MS, agent: this.agent });
      return { status: answer.status, contentType: String(answer.headers['content-type'] ?? ''), body: await readBody(answer.body) };
    } catch (error) {
      if (error instanceof RunCancelledError) throw error;
      throw new KubeApiError(transportFailure(url, error as NodeJS.ErrnoException), undefined);
    }
  }
}

/** A failed connection in the words kubectl uses for it. */
function transportFailure(url: URL, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `the connection to the server ${url.host} was refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the server ${url.hostname} could not be resolved (${error.code})`;
    case 'ECONNRESET':
      return `the server ${url.host} closed the connection`;
    case 'ETIMEDOUT':
      return `${url.host} sent nothing for ${REQUEST_TIMEOUT_MS / 1000} s`;
    default:
      return `${url.host}: ${error.code ?? error.message}`;
  }
}

/** Whether Go's http.ProxyFromEnvironment (kubectl, helm) would send requests to `url` through a proxy. */
function proxyApplies(url: URL, env: NodeJS.ProcessEnv): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || /^127\./.test(host)) return false;
  const proxy = url.protocol === 'https:' ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!proxy) return false;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  return !noProxy.some((entry) => entry === '*' || host === entry.replace(/^\./, '') || host.endsWith(entry.startsWith('.') ? entry : `.${entry}`));
}

export function isUnsupported(client: KubeApi | Unsupported): client is Unsupported {
  return 'unsupported' in client;
}
