import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server on a raw socket that answers each request by writing the whole response and its
 * FIN at once (`socket.end(response)`), as HTTP/1.0 servers (`python3 -m http.server`) and many
 * static mirrors do. A client that reads the body more slowly than loopback delivers it has the
 * rest buffered when the FIN arrives: the case that crashes undici 6 and 7 (nodejs/undici issue
 * 5360, Parser.finish asserting !this.paused in lib/dispatcher/client-h1.js).
 */
export interface ClosingRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ClosingAnswer {
  status: number;
  headers?: Record<string, string>;
  body: Buffer | string;
}

export type Framing =
  /** HTTP/1.1 with Content-Length and `Connection: close`. */
  | 'content-length'
  /** HTTP/1.0 without Content-Length: the body ends where the connection does. */
  | 'http/1.0';

export interface ClosingServer {
  url: string;
  readonly requests: ClosingRequest[];
  close(): Promise<void>;
}

export async function startClosingServer(answer: (request: ClosingRequest) => ClosingAnswer, framing: Framing = 'content-length'): Promise<ClosingServer> {
  const requests: ClosingRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const request = parseRequest(received);
      if (!request) return;
      socket.removeAllListeners('data');
      requests.push(request);
      const reply = answer(request);
      const body = Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body);
      const head =
        framing === 'http/1.0'
          ? [`HTTP/1.0 ${reply.status} ${reason(reply.status)}`, ...headerLines(reply.headers)]
          : [`HTTP/1.1 ${reply.status} ${reason(reply.status)}`, ...headerLines(reply.headers), `Content-Length: ${request.method === 'HEAD' ? (reply.headers?.['Content-Length'] ?? body.length) : body.length}`, 'Connection: close'];
      socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), request.method === 'HEAD' ? Buffer.alloc(0) : body]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function headerLines(headers: Record<string, string> = {}): string[] {
  return Object.entries(headers)
    .filter(([name]) => name.toLowerCase() !== 'content-length')
    .map(([name, value]) => `${name}: ${value}`);
}

/** The request once its head and its Content-Length of body have arrived, else undefined. */
function parseRequest(data: Buffer): ClosingRequest | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [requestLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const [method, path] = requestLine!.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (data.length < end + 4 + length) return undefined;
  return { method: method!, path: path!, headers, body: data.subarray(end + 4, end + 4 + length) };
}

function reason(status: number): string {
  return ({ 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 401: 'Unauthorized', 404: 'Not Found' } as Record<number, string>)[status] ?? 'Status';
}
