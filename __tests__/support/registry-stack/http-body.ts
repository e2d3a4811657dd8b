import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

/** Reads a request or response body whole (test traffic is small: blobs of a few hundred bytes). */
export function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export interface ForwardedAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface OutgoingRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
}

/** The incoming request as it is, to be sent on unchanged (Host header included). */
export function asOutgoing(req: IncomingMessage): OutgoingRequest {
  return { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers };
}

/** Sends a buffered request to `upstream` and reads the answer whole. */
export function forward(upstream: URL, request: OutgoingRequest, body: Buffer): Promise<ForwardedAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { ...request.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(body.length);
    const outgoing = httpRequest({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.path, headers }, (response) => {
      void readBody(response).then((responseBody) => {
        const responseHeaders: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(response.headers)) if (value !== undefined && name !== 'transfer-encoding') responseHeaders[name] = value;
        if (request.method !== 'HEAD') responseHeaders['content-length'] = String(responseBody.length);
        resolve({ status: response.statusCode ?? 502, headers: responseHeaders, body: responseBody });
      }, reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
