import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward, readBody } from './http-body.js';
import type { TokenSigner } from './token-signer.js';

/** Which kind of request a fault applies to. */
export type FaultTarget = 'ping' | 'token' | 'blob-head' | 'blob-post' | 'blob-patch' | 'layer-commit' | 'config-commit' | 'manifest-put';

export interface FaultRule {
  target: FaultTarget;
  /** An HTTP status to answer, or 'reset' to drop the connection. */
  status: number | 'reset';
  /** How many matching requests to fault; Infinity for a persistent fault. */
  times: number;
  /** 'instead': the registry never sees the request; 'after': it does (a committed blob answered with an error). */
  when?: 'instead' | 'after';
  /** Only requests from this client (docker's daemon sends `docker/…`, the native client `node`). */
  userAgent?: RegExp;
}

export interface RecordedRequest {
  method: string;
  path: string;
  target: FaultTarget | 'other';
  status: number | 'reset';
  bodyBytes: number;
  faulted: boolean;
}

export interface FrontSettings {
  /** Users of the token service and the Harbor API. */
  users: Record<string, string>;
  /** Bearer tokens from /service/token (the registry runs `auth: token`); off: the registry's own auth. */
  tokenSigner?: TokenSigner;
  /** Projects whose repositories the token service grants access to. */
  projects?: string[];
  /** Serve /api/v2.0/ping, /health and the repository DELETE like Harbor; off: /api answers 404. */
  harborApi: boolean;
}

/**
 * What a client talks to: a Harbor-like front (token service, /api/v2.0) before the registry, and
 * a fault injector on every request it passes on. Keeps the Host header, so the registry's upload
 * Locations point back here.
 */
export interface Front {
  url: string;
  setUpstream(url: string): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  requests: RecordedRequest[];
  deletedRepositories: string[];
  stop(): Promise<void>;
}

export async function startFront(settings: FrontSettings): Promise<Front> {
  let upstream: URL | undefined;
  const faults: Array<FaultRule & { remaining: number }> = [];
  const requests: RecordedRequest[] = [];
  const deletedRepositories: string[] = [];
  /** Upload session path → what its PATCH carried, so an empty-bodied commit can still be told apart. */
  const uploadContents = new Map<string, 'config' | 'layer'>();

  const takeFault = (target: FaultTarget | 'other', when: 'instead' | 'after', userAgent: string): FaultRule | undefined => {
    const rule = faults.find(
      (candidate) =>
        candidate.target === target && (candidate.when ?? 'instead') === when && candidate.remaining > 0 && (candidate.userAgent?.test(userAgent) ?? true),
    );
    if (rule) rule.remaining -= 1;
    return rule;
  };

  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const url = new URL(req.url ?? '/', 'http://front');
      const target = classify(req.method ?? 'GET', url, body, uploadContents);
      const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, target, status: 0, bodyBytes: body.length, faulted: false };
      requests.push(record);
      const before = takeFault(target, 'instead', req.headers['user-agent'] ?? '');
      if (before) return answerFault(before, res, record);
      const answer = await handle(req, url, body);
      const after = takeFault(target, 'after', req.headers['user-agent'] ?? '');
      if (after) return answerFault(after, res, record);
      record.status = answer.status;
      res.writeHead(answer.status, answer.headers);
      res.end(req.method === 'HEAD' ? undefined : answer.body);
    }).catch((error: unknown) => {
      res.writeHead(599, { 'Content-Type': 'text/plain' });
      res.end(String(error));
    });
  });

  const handle = async (req: IncomingMessage, url: URL, body: Buffer): Promise<ProxiedAnswer> => {
    if (url.pathname === '/service/token' && settings.tokenSigner) return issueToken(settings, req, url, settings.tokenSigner);
    if (url.pathname.startsWith('/api/')) {
      if (!settings.harborApi) return jsonAnswer(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
      return harborApi(settings, req, url, upstreamOrThrow(), deletedRepositories);
    }
    return forward(upstreamOrThrow(), req, body);
  };
  const upstreamOrThrow = (): URL => {
    if (!upstream) throw new Error('front has no upstream registry yet');
    return upstream;
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setUpstream: (url) => {
      upstream = new URL(url);
    },
    addFault: (rule) => faults.push({ ...rule, remaining: rule.times }),
    clearFaults: () => {
      faults.length = 0;
    },
    requests,
    deletedRepositories,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface ProxiedAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function classify(method: string, url: URL, body: Buffer, uploadContents: Map<string, 'config' | 'layer'>): FaultTarget | 'other' {
  const path = url.pathname;
  if (path === '/v2/' || path === '/v2') return 'ping';
  if (path === '/service/token') return 'token';
  if (method === 'HEAD' && /\/blobs\/sha256:/.test(path)) return 'blob-head';
  if (method === 'POST' && path.endsWith('/blobs/uploads/')) return 'blob-post';
  if (method === 'PATCH' && path.includes('/blobs/uploads/')) {
    if (body.length > 0) uploadContents.set(path, contentKind(body));
    return 'blob-patch';
  }
  if (method === 'PUT' && path.includes('/blobs/uploads/') && url.searchParams.has('digest')) {
    const kind = body.length > 0 ? contentKind(body) : uploadContents.get(path) ?? 'layer';
    return kind === 'config' ? 'config-commit' : 'layer-commit';
  }
  if (method === 'PUT' && path.includes('/manifests/')) return 'manifest-put';
  return 'other';
}

/** An image config is JSON; a layer is a (gzipped) tar. */
function contentKind(body: Buffer): 'config' | 'layer' {
  return body[0] === 0x7b ? 'config' : 'layer';
}

function answerFault(rule: FaultRule, res: ServerResponse, record: RecordedRequest): void {
  record.faulted = true;
  record.status = rule.status;
  if (rule.status === 'reset') {
    res.socket?.destroy();
    return;
  }
  const status = rule.status;
  if (status === 502) {
    res.writeHead(502, { 'Content-Type': 'text/html' });
    res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    return;
  }
  const code = status === 429 ? 'TOOMANYREQUESTS' : status === 404 ? 'BLOB_UPLOAD_UNKNOWN' : status === 401 ? 'UNAUTHORIZED' : 'UNKNOWN';
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (status === 429) headers['Retry-After'] = '1';
  res.writeHead(status, headers);
  res.end(JSON.stringify({ errors: [{ code, message: `injected ${status}` }] }));
}

function jsonAnswer(status: number, value: unknown, headers: Record<string, string> = {}): ProxiedAnswer {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(value)) };
}

function basicUser(req: IncomingMessage, users: Record<string, string>): string | undefined {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = decoded.slice(0, colon);
  return colon > 0 && users[username] !== undefined && users[username] === decoded.slice(colon + 1) ? username : undefined;
}

/** Harbor's token service: grants what was asked on projects that exist, nothing elsewhere, 401 for bad credentials. */
function issueToken(settings: FrontSettings, req: IncomingMessage, url: URL, signer: TokenSigner): ProxiedAnswer {
  const username = basicUser(req, settings.users);
  if (!username) return jsonAnswer(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
  const projects = settings.projects ?? ['library'];
  const access = url.searchParams.getAll('scope').flatMap((scope) => {
    const [type, name, actions] = scope.split(':');
    if (type !== 'repository' || !name || !actions) return [];
    const granted = projects.includes(name.split('/')[0] ?? '') ? actions.split(',') : [];
    return [{ type: 'repository' as const, name, actions: granted }];
  });
  const token = signer.sign(username, access);
  return jsonAnswer(200, { token, access_token: token, expires_in: 1800, issued_at: new Date().toISOString() });
}

async function harborApi(settings: FrontSettings, req: IncomingMessage, url: URL, upstream: URL, deleted: string[]): Promise<ProxiedAnswer> {
  if (url.pathname === '/api/v2.0/ping') return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('Pong') };
  if (url.pathname === '/api/v2.0/health') return jsonAnswer(200, { status: 'healthy', components: [{ name: 'registry', status: 'healthy' }] });
  const match = /^\/api\/v2\.0\/projects\/([^/]+)\/repositories\/([^/]+)$/.exec(url.pathname);
  if (req.method !== 'DELETE' || !match || !settings.tokenSigner) return jsonAnswer(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
  if (!basicUser(req, settings.users)) return jsonAnswer(401, { errors: [{ code: 'UNAUTHORIZED', message: 'unauthorized' }] });
  // The path arrives once decoded by URL; Harbor wants the repository encoded twice.
  const repository = `${decodeURIComponent(match[1]!)}/${decodeURIComponent(decodeURIComponent(match[2]!))}`;
  const token = settings.tokenSigner.sign('harbor-core', [{ type: 'repository', name: repository, actions: ['pull', 'push', 'delete'] }]);
  const auth = { Authorization: `Bearer ${token}` };
  const tags = await fetch(new URL(`/v2/${repository}/tags/list`, upstream), { headers: auth });
  if (tags.status !== 200) return jsonAnswer(404, { errors: [{ code: 'NOT_FOUND', message: `repository ${repository} not found` }] });
  const { tags: names } = (await tags.json()) as { tags: string[] | null };
  for (const tag of names ?? []) {
    const head = await fetch(new URL(`/v2/${repository}/manifests/${tag}`, upstream), {
      method: 'HEAD',
      headers: { ...auth, Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
    });
    const digest = head.headers.get('docker-content-digest');
    if (digest) await fetch(new URL(`/v2/${repository}/manifests/${digest}`, upstream), { method: 'DELETE', headers: auth });
  }
  deleted.push(repository);
  return { status: 200, headers: {}, body: Buffer.alloc(0) };
}
