import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * An HTTP server on 127.0.0.1 serving a mirror layout folder (see layout.ts), standing in for
 * get.helm.sh and dl.k8s.io. It records every request path, so a test can assert "no network
 * request", and can be told to misbehave on a path for the next requests or for good.
 */
export type Fault =
  /** Answer with this HTTP status and no body. */
  | { status: number }
  /** Drop the connection before answering. */
  | 'reset'
  /** Send the headers and half the body, then drop the connection. */
  | 'reset-mid-body'
  /** Send the file with one byte changed in the middle. */
  | 'tamper'
  /** Send the headers and the first 64 KiB, then nothing more until the client gives up. */
  | 'stall';

export interface ToolMirror {
  /** Base URL, usable as both helm-mirror and kubectl-mirror. */
  url: string;
  /** Paths requested so far, in order (e.g. '/helm-v4.1.4-linux-amd64.tar.gz'). */
  readonly requests: string[];
  countRequests(path: string): number;
  /** The next requests for `path` get these faults, one each; later ones are served normally. */
  failNext(path: string, ...faults: Fault[]): void;
  /** Serve `body` at `path` from now on; null makes the path 404 for good. */
  override(path: string, body: string | { file: string } | null): void;
  /** Forgets requests, pending faults and overrides. */
  reset(): void;
  close(): Promise<void>;
}

export interface ToolMirrorOptions {
  /** Limit each file download to this rate, like a real link (the benchmark's "realistic" rows). */
  bytesPerSecond?: number;
}

export async function startToolMirror(root: string, options: ToolMirrorOptions = {}): Promise<ToolMirror> {
  const requests: string[] = [];
  const faults = new Map<string, Fault[]>();
  const overrides = new Map<string, string | { file: string } | null>();

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://mirror').pathname;
    requests.push(path);
    const fault = faults.get(path)?.shift();
    if (fault === 'reset') {
      request.socket.destroy();
      return;
    }
    if (fault && typeof fault === 'object') {
      response.writeHead(fault.status).end();
      return;
    }
    const override = overrides.get(path);
    if (override === null) {
      response.writeHead(404).end('Not Found');
      return;
    }
    if (typeof override === 'string') {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(override) }).end(override);
      return;
    }
    const file = override?.file ?? join(root, normalize(path).replace(/^([/\\])+/, ''));
    let size: number;
    try {
      const stats = statSync(file);
      if (!stats.isFile()) throw new Error('not a file');
      size = stats.size;
    } catch {
      response.writeHead(404).end('Not Found');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    if (fault === 'reset-mid-body') {
      await pipeline(createReadStream(file, { end: Math.floor(size / 2) }), response, { end: false }).catch(() => undefined);
      request.socket.destroy();
      return;
    }
    if (fault === 'stall') {
      await pipeline(createReadStream(file, { end: 64 * 1024 - 1 }), response, { end: false }).catch(() => undefined);
      return;
    }
    const stages: Array<NodeJS.ReadableStream | NodeJS.ReadWriteStream> = [createReadStream(file)];
    if (fault === 'tamper') stages.push(flipByteAt(Math.floor(size / 2)));
    if (options.bytesPerSecond) stages.push(throttle(options.bytesPerSecond));
    await pipeline([...stages, response]).catch(() => undefined);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => request.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    countRequests: (path) => requests.filter((requested) => requested === path).length,
    failNext: (path, ...added) => faults.set(path, [...(faults.get(path) ?? []), ...added]),
    override: (path, body) => overrides.set(path, body),
    reset: () => {
      requests.length = 0;
      faults.clear();
      overrides.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function flipByteAt(offset: number): Transform {
  let position = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (offset >= position && offset < position + chunk.length) {
        const copy = Buffer.from(chunk);
        copy[offset - position] = copy[offset - position]! ^ 0xff;
        chunk = copy;
      }
      position += chunk.length;
      done(null, chunk);
    },
  });
}

function throttle(bytesPerSecond: number): Transform {
  const started = performance.now();
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      const wait = started + (sent / bytesPerSecond) * 1000 - performance.now();
      if (wait > 1) setTimeout(() => done(null, chunk), wait);
      else done(null, chunk);
    },
  });
}
