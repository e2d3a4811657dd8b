import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
const CONFIG_MEDIA_TYPE = 'application/vnd.docker.container.image.v1+json';
const LAYER_MEDIA_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export interface Blob {
  digest: string;
  bytes: Buffer;
}

/** A tiny image unique to one run (config + one layer), so that no blob already exists. */
export interface SmokeImage {
  tag: string;
  layer: Blob;
  config: Blob;
  manifest: Blob;
  /** The layer's uncompressed tar: what `docker import` takes. */
  layerTar: Buffer;
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function buildSmokeImage(now = new Date()): SmokeImage {
  const runId = `${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(4).toString('hex')}`;
  const layerTar = tarOneFile('harbor-smoke.txt', Buffer.from(`harbor-tke-action smoke test ${runId}\n`), now);
  const layer = blob(gzipSync(layerTar));
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        created: now.toISOString(),
        config: { Labels: { 'harbor-tke-action.smoke-test': runId } },
        rootfs: { type: 'layers', diff_ids: [sha256Digest(layerTar)] },
        history: [{ created: now.toISOString(), created_by: 'harbor-tke-action smoke test' }],
      }),
    ),
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_MEDIA_TYPE,
        config: { mediaType: CONFIG_MEDIA_TYPE, size: config.bytes.length, digest: config.digest },
        layers: [{ mediaType: LAYER_MEDIA_TYPE, size: layer.bytes.length, digest: layer.digest }],
      }),
    ),
  );
  return { tag: `smoke-${runId}`, layer, config, manifest, layerTar };
}

function blob(bytes: Buffer): Blob {
  return { digest: sha256Digest(bytes), bytes };
}

/** A ustar archive holding one regular file. */
function tarOneFile(name: string, content: Buffer, mtime: Date): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string): void => {
    header.write(value, offset, length, 'ascii');
  };
  const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`;
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(Math.floor(mtime.getTime() / 1000), 12));
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let checksum = 0;
  for (const byte of header) checksum += byte;
  field(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}
