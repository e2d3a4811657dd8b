import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultRule, FaultTarget } from '../support/registry-stack/front.js';
import { expect } from 'vitest';
import type { HarborStack } from '../support/registry-stack/stack.js';

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

function basic(username = USERNAME, password = PASSWORD): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A token from the front's token service (when it has one), else the Basic header: independent of the code under test. */
async function authorizationFor(registryUrl: string, repository: string, actions: string): Promise<string> {
  const tokenAnswer = await fetch(`${registryUrl}/service/token?service=harbor-registry&scope=repository:${repository}:${actions}`, { headers: { Authorization: basic() } });
  if (tokenAnswer.status === 200) return `Bearer ${((await tokenAnswer.json()) as { token: string }).token}`;
  return basic();
}

/** Reads a manifest through the front as the admin would: status, and the sha256 of what came back. */
export async function fetchManifest(registryUrl: string, reference: string, repository = REPOSITORY): Promise<{ status: number; digest?: string }> {
  const authorization = await authorizationFor(registryUrl, repository, 'pull');
  const answer = await fetch(`${registryUrl}/v2/${repository}/manifests/${reference}`, { headers: { Authorization: authorization, Accept: MANIFEST_TYPES } });
  if (answer.status !== 200) return { status: answer.status };
  const body = Buffer.from(await answer.arrayBuffer());
  return { status: 200, digest: `sha256:${createHash('sha256').update(body).digest('hex')}` };
}

/** Puts an existing manifest under another tag, as `docker tag` + `docker push` would. */
export async function tagManifest(registryUrl: string, repository: string, digest: string, tag: string): Promise<void> {
  const authorization = await authorizationFor(registryUrl, repository, 'pull,push');
  const manifest = await fetch(`${registryUrl}/v2/${repository}/manifests/${digest}`, { headers: { Authorization: authorization, Accept: MANIFEST_TYPES } });
  const put = await fetch(`${registryUrl}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { Authorization: authorization, 'Content-Type': manifest.headers.get('content-type') ?? MANIFEST_TYPES.split(',')[0]! },
    body: Buffer.from(await manifest.arrayBuffer()),
  });
  if (put.status !== 201) throw new Error(`tagging ${repository}@${digest} as ${tag}: ${put.status} ${await put.text()}`);
}

/** Harbor's artifact list of a repository (GET …/artifacts), digests with their tags, as the admin sees it. */
export async function listArtifacts(registryUrl: string, repository: string): Promise<Array<{ digest: string; tags: string[] }>> {
  const [project, ...rest] = repository.split('/');
  const answer = await fetch(`${registryUrl}/api/v2.0/projects/${project}/repositories/${encodeURIComponent(encodeURIComponent(rest.join('/')))}/artifacts`, {
    headers: { Authorization: basic() },
  });
  if (answer.status !== 200) throw new Error(`listing ${repository}: ${answer.status} ${await answer.text()}`);
  const artifacts = (await answer.json()) as Array<{ digest: string; tags: Array<{ name: string }> | null }>;
  return artifacts.map((artifact) => ({ digest: artifact.digest, tags: (artifact.tags ?? []).map((tag) => tag.name).sort() })).sort((a, b) => a.digest.localeCompare(b.digest));
}

/** Whether the registry behind Harbor still stores a manifest, asked directly with core's credentials. */
export async function registryHasManifest(stack: HarborStack, repository: string, digest: string): Promise<boolean> {
  const answer = await fetch(`${stack.registry.url}/v2/${repository}/manifests/${digest}`, {
    method: 'HEAD',
    headers: { Authorization: stack.harbor.registryAuthorization, Accept: MANIFEST_TYPES },
  });
  return answer.status === 200;
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

export type SeededArtifacts = Array<{ digest: string; tags: string[] }>;

/** A repository that already holds two images, one under two tags: a team's, not the smoke test's. `push` pushes one image. */
export async function seedRepository(stack: HarborStack, repository: string, push: () => Promise<{ digest: string }>): Promise<SeededArtifacts> {
  const first = await push();
  const second = await push();
  await tagManifest(stack.url, repository, first.digest, 'stable');
  await tagManifest(stack.url, repository, second.digest, 'latest');
  return listArtifacts(stack.url, repository);
}

/**
 * Everything seeded is still there, under every tag, in Harbor and in the registry behind it; each
 * digest in `removed` is gone from both; and the only DELETEs since request `start` were those.
 */
export async function expectOnlyRemoved(stack: HarborStack, repository: string, seeded: SeededArtifacts, removed: string[], start: number): Promise<void> {
  expect(await listArtifacts(stack.url, repository)).toEqual(seeded);
  for (const { digest, tags } of seeded) {
    expect(await registryHasManifest(stack, repository, digest)).toBe(true);
    for (const tag of tags) expect(await fetchManifest(stack.url, tag, repository)).toEqual({ status: 200, digest });
  }
  for (const digest of removed) {
    expect(await fetchManifest(stack.url, digest, repository)).toEqual({ status: 404 });
    expect(await registryHasManifest(stack, repository, digest)).toBe(false);
  }
  const deletes = stack.front.requests.slice(start).filter((request) => request.method === 'DELETE');
  expect(deletes.map((request) => request.target)).toEqual(removed.map(() => 'artifact-delete'));
  expect(deletes.map((request) => request.path.split('/').pop()).sort()).toEqual([...removed].sort());
}
