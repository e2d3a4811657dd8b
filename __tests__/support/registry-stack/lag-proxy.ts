import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asOutgoing, forward, readBody } from './http-body.js';

/**
 * Sits between the registry and radosgw and makes the bucket eventually consistent the way COS
 * is: an object whose key matches the pattern and that is written during a lag window stays out
 * of listings and HEAD answers (until it is deleted). Keeps the Host header, so SigV4 signatures
 * still verify. The registry then fails a blob commit on its own, with the same 500 and log line
 * as on COS; an upload started after the window commits.
 *
 * Why hidden for good and not until the window ends: distribution 2.8 Stats the upload twice
 * during one commit. If the object turns visible between the two, the commit succeeds with a
 * recorded size of 0 and the blob then reads back empty (the read-back check catches it as a
 * digest mismatch). That race is real on COS, but a test must decide it, not the clock.
 */
export interface LagProxy {
  url: string;
  /** Starts a lag window of `windowMs` from now (0: no lag). */
  startLagWindow(windowMs: number): void;
  /** How many listings or HEADs answered without a just-written object. */
  hiddenAnswers: number;
  stop(): Promise<void>;
}

export const UPLOAD_DATA_KEY = /\/_uploads\/[^/]+\/data$/;

export async function startLagProxy(upstreamUrl: string, keyPattern: RegExp = UPLOAD_DATA_KEY): Promise<LagProxy> {
  const upstream = new URL(upstreamUrl);
  let windowEnd = 0;
  /** Key paths as in the request path (/bucket/key) written during a lag window. */
  const hidden = new Set<string>();
  const isHidden = (path: string): boolean => hidden.has(path);
  const proxy: LagProxy = {
    url: '',
    startLagWindow: (windowMs) => {
      windowEnd = Date.now() + windowMs;
    },
    hiddenAnswers: 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://s3');
      const path = decodeURIComponent(url.pathname);
      if (req.method === 'HEAD' && isHidden(path)) {
        proxy.hiddenAnswers += 1;
        res.writeHead(404).end();
        return;
      }
      const body = await readBody(req);
      const answer = await forward(upstream, asOutgoing(req), body);
      const isWrite = (req.method === 'PUT' && !url.searchParams.has('partNumber')) || (req.method === 'POST' && url.searchParams.has('uploadId'));
      if (isWrite && answer.status === 200 && keyPattern.test(path) && Date.now() < windowEnd) hidden.add(path);
      if (req.method === 'DELETE') hidden.delete(path);
      let responseBody = answer.body;
      if (req.method === 'GET' && isBucketListing(path) && hidden.size > 0) {
        const bucket = path.split('/')[1] ?? '';
        const filtered = hideListedKeys(answer.body.toString('utf8'), (key) => isHidden(`/${bucket}/${key}`));
        if (filtered.hidden > 0) proxy.hiddenAnswers += 1;
        responseBody = Buffer.from(filtered.xml);
      }
      const headers = { ...answer.headers };
      if (req.method !== 'HEAD') headers['content-length'] = String(responseBody.length);
      res.writeHead(answer.status, headers);
      res.end(req.method === 'HEAD' ? undefined : responseBody);
    })().catch((error: unknown) => {
      res.writeHead(502).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** /bucket or /bucket/ (with a query): a ListObjects call, not an object. */
function isBucketListing(path: string): boolean {
  return /^\/[^/]+\/?$/.test(path);
}

function hideListedKeys(xml: string, hidden: (key: string) => boolean): { xml: string; hidden: number } {
  let count = 0;
  const filtered = xml.replace(/<Contents>([\s\S]*?)<\/Contents>/g, (whole, inner: string) => {
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(inner)?.[1] ?? '';
    if (!hidden(unescapeXml(key))) return whole;
    count += 1;
    return '';
  });
  const withCount = count > 0 ? filtered.replace(/<KeyCount>(\d+)<\/KeyCount>/, (_, n: string) => `<KeyCount>${Math.max(0, Number(n) - count)}</KeyCount>`) : filtered;
  return { xml: withCount, hidden: count };
}

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
