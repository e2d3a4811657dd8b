import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FrontAnswer } from './harbor/answers.js';
import { readBody } from './http-body.js';

/** Which kind of request a fault or hook applies to. */
export type FaultTarget =
  | 'ping'
  | 'token'
  | 'blob-head'
  | 'blob-post'
  | 'blob-patch'
  | 'layer-commit'
  | 'config-commit'
  | 'manifest-put'
  | 'manifest-get'
  | 'manifest-delete'
  | 'artifact-delete'
  | 'repository-delete';

export interface FaultRule {
  target: FaultTarget;
  /** An HTTP status to answer, or 'reset' to drop the connection. */
  status: number | 'reset';
  /** How many matching requests to fault; Infinity for a persistent fault. */
  times: number;
  /** 'instead': the backend never sees the request; 'after': it does (a committed blob answered with an error). */
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

/** What answers behind the front: a plain registry passed through, or the Harbor core model. */
export type FrontBackend = (req: IncomingMessage, url: URL, body: Buffer) => Promise<FrontAnswer>;

/**
 * What a client talks to: the backend, with a fault injector and a request recorder in front of
 * it. Faults are transport-level failures (5xx from a gateway, 429, resets), not Harbor answers:
 * those come from the backend itself.
 */
export interface Front {
  url: string;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Runs `hook` before the next request of `target` is handled (e.g. another client deleting the artifact first). */
  beforeNext(target: FaultTarget, hook: () => unknown): void;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export async function startFront(backend: FrontBackend): Promise<Front> {
  const faults: Array<FaultRule & { remaining: number }> = [];
  const hooks: Array<{ target: FaultTarget; hook: () => unknown }> = [];
  const requests: RecordedRequest[] = [];
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
    void readBody(req)
      .then(async (body) => {
        const url = new URL(req.url ?? '/', 'http://front');
        const target = classify(req.method ?? 'GET', url, body, uploadContents);
        const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, target, status: 0, bodyBytes: body.length, faulted: false };
        requests.push(record);
        const hookIndex = hooks.findIndex((candidate) => candidate.target === target);
        if (hookIndex >= 0) await hooks.splice(hookIndex, 1)[0]!.hook();
        const before = takeFault(target, 'instead', req.headers['user-agent'] ?? '');
        if (before) return answerFault(before, res, record);
        const answer = await backend(req, url, body);
        const after = takeFault(target, 'after', req.headers['user-agent'] ?? '');
        if (after) return answerFault(after, res, record);
        record.status = answer.status;
        res.writeHead(answer.status, answer.headers);
        res.end(req.method === 'HEAD' ? undefined : answer.body);
      })
      .catch((error: unknown) => {
        res.writeHead(599, { 'Content-Type': 'text/plain' });
        res.end(String(error));
      });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    addFault: (rule) => faults.push({ ...rule, remaining: rule.times }),
    clearFaults: () => {
      faults.length = 0;
      hooks.length = 0;
    },
    beforeNext: (target, hook) => hooks.push({ target, hook }),
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
    const kind = body.length > 0 ? contentKind(body) : (uploadContents.get(path) ?? 'layer');
    return kind === 'config' ? 'config-commit' : 'layer-commit';
  }
  if (path.startsWith('/v2/') && path.includes('/manifests/')) {
    if (method === 'PUT') return 'manifest-put';
    if (method === 'GET' || method === 'HEAD') return 'manifest-get';
    if (method === 'DELETE') return 'manifest-delete';
  }
  if (method === 'DELETE' && /^\/api\/v2\.0\/projects\/[^/]+\/repositories\/[^/]+\/artifacts\/[^/]+$/.test(path)) return 'artifact-delete';
  if (method === 'DELETE' && /^\/api\/v2\.0\/projects\/[^/]+\/repositories\/[^/]+$/.test(path)) return 'repository-delete';
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
