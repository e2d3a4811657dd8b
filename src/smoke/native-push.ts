import { log } from '../report/log.js';
import { SmokeTestError } from './errors.js';
import { describeAnswer } from './http.js';
import { MANIFEST_MEDIA_TYPE, type Blob, type SmokeImage } from './image.js';
import { headersFor, repositoryUrl, type RegistrySession } from './registry-session.js';
import { judgeAnswer, retrying } from './retry-policy.js';

/**
 * Pushes the image, each part retried on its own; returns the manifest digest. The two blobs go
 * up side by side: through a lag window both wait for the same storage, and the push is green
 * one blob round trip after the window ends instead of two.
 */
export async function pushImage(session: RegistrySession, image: SmokeImage): Promise<string> {
  const uploads = await Promise.allSettled([uploadBlob(session, image.layer, 'layer'), uploadBlob(session, image.config, 'config')]);
  for (const upload of uploads) if (upload.status === 'rejected') throw upload.reason;
  return retrying(session.retry, 'manifest', () => putManifest(session, image));
}

/**
 * HEAD first on every try: a blob whose commit was answered with an error may still have been
 * committed, and a committed blob is never sent again. Otherwise a new upload session (POST) and
 * a monolithic PUT: after a failed commit the old upload URL keeps failing.
 */
async function uploadBlob(session: RegistrySession, blob: Blob, label: string): Promise<void> {
  const step = `${label} blob`;
  await retrying(session.retry, step, async () => {
    const check = await session.http.send(step, 'HEAD', repositoryUrl(session, `blobs/${blob.digest}`), { headers: headersFor(session) });
    if (check.status === 200) {
      log.info(`${step}: ${blob.digest} is already in the registry`);
      return;
    }
    if (check.status !== 404) judgeAnswer('blob-check', check, session.retry.counter);
    const start = await session.http.send(step, 'POST', repositoryUrl(session, 'blobs/uploads/'), { headers: headersFor(session) });
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) judgeAnswer('blob-upload', start, session.retry.counter);
    const commitUrl = new URL(location!, session.baseUrl);
    commitUrl.searchParams.set('digest', blob.digest);
    // application/octet-stream: a form content type makes the registry consume the body.
    const commit = await session.http.send(step, 'PUT', commitUrl, {
      headers: headersFor(session, { 'Content-Type': 'application/octet-stream' }),
      body: blob.bytes,
    });
    if (commit.status !== 201) judgeAnswer('blob-upload', commit, session.retry.counter);
  });
}

async function putManifest(session: RegistrySession, image: SmokeImage): Promise<string> {
  const answer = await session.http.send('manifest', 'PUT', repositoryUrl(session, `manifests/${image.tag}`), {
    headers: headersFor(session, { 'Content-Type': MANIFEST_MEDIA_TYPE }),
    body: image.manifest.bytes,
  });
  if (answer.status !== 201) judgeAnswer('manifest-put', answer, session.retry.counter);
  const digest = answer.headers.get('docker-content-digest');
  if (digest && digest !== image.manifest.digest) {
    throw new SmokeTestError(`the registry stored the manifest as ${digest}, not ${image.manifest.digest}`, {
      cause: 'digest-mismatch',
      attempts: session.retry.counter.attempts,
      lastAttempt: describeAnswer(answer),
    });
  }
  return image.manifest.digest;
}
