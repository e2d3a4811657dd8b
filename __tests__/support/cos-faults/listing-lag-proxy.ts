import { startProxy, unescapeXml, type ProxyServer } from './forward.js';

/**
 * Makes radosgw's listings eventually consistent the way COS documents its own: an object written
 * (or a multipart upload started) through this proxy stays out of ListObjects / HEAD (or
 * ListMultipartUploads) answers for the configured lag, then appears. Unlike the registry stack's
 * lag proxy (hidden until deleted, to keep the registry's double Stat deterministic), the object
 * does appear: the preflight measures exactly when.
 */
export interface ListingLagProxy extends ProxyServer {
  /** Lag for what is written from now on; 0 turns it off. */
  setLag(lag: { objectsMs: number; uploadsMs: number }): void;
  /** Listings or HEADs answered without something that exists upstream. */
  hiddenAnswers: number;
}

export async function startListingLagProxy(upstreamUrl: string): Promise<ListingLagProxy> {
  let lag = { objectsMs: 0, uploadsMs: 0 };
  /** /<bucket>/<key> → when it becomes visible. */
  const objectVisibleAt = new Map<string, number>();
  /** UploadId → when it becomes visible. */
  const uploadVisibleAt = new Map<string, number>();
  const hiddenObject = (path: string): boolean => (objectVisibleAt.get(path) ?? 0) > Date.now();
  const hiddenUpload = (uploadId: string): boolean => (uploadVisibleAt.get(uploadId) ?? 0) > Date.now();

  const server = await startProxy(upstreamUrl, async (request, forward) => {
    const { method, path, query } = request;
    if (method === 'HEAD' && hiddenObject(path)) {
      proxy.hiddenAnswers += 1;
      return { status: 404, headers: {}, body: Buffer.alloc(0) };
    }
    const answer = await forward();
    const ok = answer.status >= 200 && answer.status < 300;
    const bucket = path.split('/')[1] ?? '';
    const isBucket = /^\/[^/]+\/?$/.test(path);
    if (ok && method === 'PUT' && !query.has('partNumber') && lag.objectsMs > 0) objectVisibleAt.set(path, Date.now() + lag.objectsMs);
    if (ok && method === 'POST' && query.has('uploadId') && lag.objectsMs > 0) objectVisibleAt.set(path, Date.now() + lag.objectsMs);
    if (ok && method === 'POST' && query.has('uploads') && lag.uploadsMs > 0) {
      const uploadId = /<UploadId>([\s\S]*?)<\/UploadId>/.exec(answer.body.toString('utf8'))?.[1];
      if (uploadId) uploadVisibleAt.set(unescapeXml(uploadId), Date.now() + lag.uploadsMs);
    }
    if (method === 'DELETE' && !query.has('uploadId')) objectVisibleAt.delete(path);
    if (method !== 'GET' || !isBucket || !ok) return answer;
    const xml = answer.body.toString('utf8');
    const filtered = query.has('uploads')
      ? dropBlocks(xml, 'Upload', (block) => hiddenUpload(unescapeXml(/<UploadId>([\s\S]*?)<\/UploadId>/.exec(block)?.[1] ?? '')))
      : dropBlocks(xml, 'Contents', (block) => hiddenObject(`/${bucket}/${unescapeXml(/<Key>([\s\S]*?)<\/Key>/.exec(block)?.[1] ?? '')}`));
    if (filtered.dropped === 0) return answer;
    proxy.hiddenAnswers += 1;
    return { ...answer, body: Buffer.from(filtered.xml) };
  });

  const proxy: ListingLagProxy = {
    ...server,
    setLag: (next) => {
      lag = next;
    },
    hiddenAnswers: 0,
  };
  return proxy;
}

function dropBlocks(xml: string, name: string, hidden: (block: string) => boolean): { xml: string; dropped: number } {
  let dropped = 0;
  const pattern = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g');
  const kept = xml.replace(pattern, (whole, inner: string) => {
    if (!hidden(inner)) return whole;
    dropped += 1;
    return '';
  });
  const counted = dropped > 0 ? kept.replace(/<KeyCount>(\d+)<\/KeyCount>/, (_, n: string) => `<KeyCount>${Math.max(0, Number(n) - dropped)}</KeyCount>`) : kept;
  return { xml: counted, dropped };
}
