import { randomBytes } from 'node:crypto';

/** The folder, under the registry's root directory, where the preflight writes its probe. */
export const PROBE_FOLDER = '_harbor_tke_preflight';

/**
 * The probe's key as the registry's driver would store `/_harbor_tke_preflight/<unique>`: the
 * root directory without its trailing slash, then the path, then no leading slash (s3Path in
 * distribution 2.8). Unique per run, so runs in parallel never touch each other's probe.
 */
export function probeKey(rootDirectory: string, now: Date = new Date()): string {
  const unique = `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(6).toString('hex')}`;
  return `${rootDirectory.replace(/\/+$/, '')}/${PROBE_FOLDER}/${unique}`.replace(/^\/+/, '');
}
