import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultRule, FaultTarget } from '../support/registry-stack/front.js';

export const USERNAME = 'admin';
export const PASSWORD = 'Smoke-Pa55word!';
export const REPOSITORY = 'library/harbor-smoke';
const MANIFEST_TYPES = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'smoke-work-'));
}

export { captureJobLog } from '../support/job-log.js';

/** Every form the password could leak in: as is, and inside a Basic header. */
export function passwordForms(username = USERNAME, password = PASSWORD): string[] {
  return [password, Buffer.from(`${username}:${password}`).toString('base64'), Buffer.from(password).toString('base64')];
}

/**
 * Reads a manifest from the registry independently of the code under test: token from the
 * front's token service (when it has one), GET with an Accept of the manifest types.
 */
export async function fetchManifest(registryUrl: string, reference: string, repository = REPOSITORY): Promise<{ status: number; digest?: string }> {
  const basic = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
  let authorization = basic;
  const tokenAnswer = await fetch(`${registryUrl}/service/token?service=harbor-registry&scope=repository:${repository}:pull`, { headers: { Authorization: basic } });
  if (tokenAnswer.status === 200) authorization = `Bearer ${((await tokenAnswer.json()) as { token: string }).token}`;
  const answer = await fetch(`${registryUrl}/v2/${repository}/manifests/${reference}`, { headers: { Authorization: authorization, Accept: MANIFEST_TYPES } });
  if (answer.status !== 200) return { status: answer.status };
  const body = Buffer.from(await answer.arrayBuffer());
  return { status: 200, digest: `sha256:${createHash('sha256').update(body).digest('hex')}` };
}

/** Every fault kind the retry policy answers, once: both clients must push through each of them. */
export const FAULTS_ONCE: Array<{ target: FaultTarget; status: FaultRule['status'] }> = [
  { target: 'ping', status: 503 },
  { target: 'token', status: 500 },
  { target: 'blob-head', status: 500 },
  { target: 'blob-post', status: 502 },
  { target: 'layer-commit', status: 500 },
  { target: 'layer-commit', status: 404 },
  { target: 'layer-commit', status: 'reset' },
  { target: 'layer-commit', status: 429 },
  { target: 'config-commit', status: 500 },
  { target: 'manifest-put', status: 502 },
  { target: 'manifest-put', status: 504 },
];
