import { gunzipSync } from 'node:zlib';

/**
 * The files of a packaged chart (`helm package` output: a gzipped ustar archive), by their path
 * inside the chart ("templates/core/core-dpl.yaml"), read without unpacking to disk.
 */
export function chartFiles(packageBytes: Buffer): Map<string, string> {
  const tar = gunzipSync(packageBytes);
  const files = new Map<string, string>();
  let longName: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0' || type === '') files.set(name.replace(/^[^/]+\//, ''), body.toString('utf8'));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
