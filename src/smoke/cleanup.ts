import { log } from '../report/log.js';
import { basicAuthorization } from './auth.js';
import { repositoryUrl, type RegistrySession } from './registry-session.js';
import { judgeAnswer, retrying } from './retry-policy.js';

export interface CleanupSettings {
  username: string;
  password: string;
}

/**
 * Removes what the smoke test pushed: the whole repository through Harbor's API when Harbor
 * answers, else the manifest by digest (blobs stay until garbage collection either way).
 * A failed cleanup is a warning, never a failed smoke test: the push itself was proven.
 */
export async function cleanUp(session: RegistrySession, settings: CleanupSettings, manifestDigest: string): Promise<boolean> {
  try {
    if (await harborAnswers(session)) await deleteHarborRepository(session, settings);
    else await deleteManifest(session, manifestDigest);
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.warning(`The smoke test image was pushed but could not be removed: ${reason}`, 'Smoke test cleanup');
    return false;
  }
}

async function harborAnswers(session: RegistrySession): Promise<boolean> {
  try {
    const answer = await session.http.send('cleanup', 'GET', new URL('/api/v2.0/ping', session.baseUrl));
    return answer.status === 200;
  } catch {
    return false;
  }
}

async function deleteHarborRepository(session: RegistrySession, settings: CleanupSettings): Promise<void> {
  const slash = session.repository.indexOf('/');
  const project = session.repository.slice(0, slash);
  // Harbor wants a '/' inside the repository name encoded twice.
  const repository = encodeURIComponent(encodeURIComponent(session.repository.slice(slash + 1)));
  const url = new URL(`/api/v2.0/projects/${encodeURIComponent(project)}/repositories/${repository}`, session.baseUrl);
  await retrying(session.retry, 'cleanup', async () => {
    const answer = await session.http.send('cleanup', 'DELETE', url, { headers: { Authorization: basicAuthorization(settings.username, settings.password) } });
    if (answer.status !== 200 && answer.status !== 202) judgeAnswer('readback', answer, session.retry.counter);
  });
}

async function deleteManifest(session: RegistrySession, manifestDigest: string): Promise<void> {
  const authorization = await session.authorization.forScope('pull,delete');
  await retrying(session.retry, 'cleanup', async () => {
    const answer = await session.http.send('cleanup', 'DELETE', repositoryUrl(session, `manifests/${manifestDigest}`), {
      headers: authorization ? { Authorization: authorization } : {},
    });
    if (answer.status !== 202) judgeAnswer('readback', answer, session.retry.counter);
  });
}
