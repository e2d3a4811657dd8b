import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An S3 request as a fault proxy sees it: the decoded path is /<bucket>/<key> (path-style). */
export interface ProxiedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface UpstreamAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface ProxyServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * A proxy in front of radosgw that forwards requests unchanged (Host included, so SigV4 still
 * verifies) and lets `handle` answer in radosgw's place or rewrite radosgw's answer.
 */
export async function startProxy(
  upstreamUrl: string,
  handle: (request: ProxiedRequest, forward: () => Promise<UpstreamAnswer>) => Promise<UpstreamAnswer>,
): Promise<ProxyServer> {
  const upstream = new URL(upstreamUrl);
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://s3');
      const body = await readBody(req);
      const request: ProxiedRequest = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, headers: req.headers, body };
      reply(res, request.method, await handle(request, () => forward(upstream, req, body)));
    })().catch((error: unknown) => {
      res.writeHead(502).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An S3-style XML error answer (a HEAD gets the status only, as from COS and S3). */
export function xmlError(status: number, code: string, message: string, extra: Record<string, string> = {}): UpstreamAnswer {
  const fields = Object.entries({ Code: code, Message: message, ...extra, RequestId: `NjU${Date.now().toString(36)}` })
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return { status, headers: { 'content-type': 'application/xml' }, body: Buffer.from(`<?xml version='1.0' encoding='utf-8' ?>\n<Error>${fields}</Error>`) };
}

function reply(res: ServerResponse, method: string, answer: UpstreamAnswer): void {
  const headers = { ...answer.headers };
  delete headers['transfer-encoding'];
  if (method !== 'HEAD') headers['content-length'] = String(answer.body.length);
  res.writeHead(answer.status, headers);
  res.end(method === 'HEAD' ? undefined : answer.body);
}

function forward(upstream: URL, req: IncomingMessage, body: Buffer): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (response) => {
      void readBody(response).then((responseBody) => {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = value;
        resolve({ status: response.statusCode ?? 502, headers, body: responseBody });
      }, reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
