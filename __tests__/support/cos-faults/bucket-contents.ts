import type { StartedCeph } from '../registry-stack/ceph.js';
import { signedS3Request } from '../registry-stack/sigv4.js';

/**
 * Everything in a bucket, read straight from radosgw with the admin keys (no proxy, and not the
 * preflight's own client): what a user would find in the COS console afterwards.
 */
export async function bucketContents(ceph: StartedCeph, bucket: string): Promise<{ objects: string[]; uploads: string[] }> {
  const read = async (query: string): Promise<string> => {
    const answer = await signedS3Request({ method: 'GET', url: `${ceph.endpoint}/${bucket}?${query}`, accessKey: ceph.accessKey, secretKey: ceph.secretKey });
    const text = await answer.text();
    if (answer.status !== 200) throw new Error(`listing ${bucket}?${query}: ${answer.status} ${text}`);
    return text;
  };
  const keys = (xml: string, block: string): string[] =>
    [...xml.matchAll(new RegExp(`<${block}>([\\s\\S]*?)</${block}>`, 'g'))].map((match) => /<Key>([\s\S]*?)<\/Key>/.exec(match[1] ?? '')?.[1] ?? '');
  return { objects: keys(await read('list-type=2'), 'Contents'), uploads: keys(await read('uploads'), 'Upload') };
}
