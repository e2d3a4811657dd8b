import { log } from '../report/log.js';
import { authModeIsOidc, basicAuthorization } from './auth.js';
import { harborSays, projectOf } from './harbor-answers.js';
import type { RegistryAnswer } from './http.js';
import { repositoryUrl, type RegistrySession } from './registry-session.js';
import { judgeAnswer, retrying } from './retry-policy.js';

export interface CleanupSettings {
  username: string;
  password: string;
}

/** What was pushed: only this artifact may go. */
export interface PushedImage {
  digest: string;
  tag: string;
}

/**
 * Removes exactly the artifact the smoke test pushed, by digest: through Harbor's API when Harbor
 * answers, else with a manifest DELETE. Never a repository or another tag: smoke-test-repository
 * may hold a team's images, and another smoke test may be reading its own image back right now.
 * Blobs stay until garbage collection. A failed cleanup is a warning, never a failed smoke test:
 * the push itself was proven.
 */
export async function cleanUp(session: RegistrySession, settings: CleanupSettings, image: PushedImage): Promise<boolean> {
  try {
    if (await harborAnswers(session)) await deleteHarborArtifact(session, settings, image);
    else await deleteManifest(session, image.digest);
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.warning(`The smoke test image ${session.repository}@${image.digest} was pushed but could not be removed: ${reason}`, 'Smoke test cleanup');
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

/**
 * DELETE /api/v2.0/projects/{p}/repositories/{r}/artifacts/{digest} (src/server/v2.0/handler/artifact.go
 * DeleteArtifact): Harbor deletes that artifact and its tags only. A 404 means it is gone already.
 */
async function deleteHarborArtifact(session: RegistrySession, settings: CleanupSettings, image: PushedImage): Promise<void> {
  const project = projectOf(session.repository);
  // Harbor wants a '/' inside the repository name encoded twice.
  const repository = encodeURIComponent(encodeURIComponent(session.repository.slice(project.length + 1)));
  const url = new URL(`/api/v2.0/projects/${encodeURIComponent(project)}/repositories/${repository}/artifacts/${image.digest}`, session.baseUrl);
  const answer = await retrying(session.retry, 'cleanup', async () => {
    const answer = await session.http.send('cleanup', 'DELETE', url, { headers: { Authorization: basicAuthorization(settings.username, settings.password) } });
    if (answer.status >= 500 || answer.status === 429) judgeAnswer('readback', answer, session.retry.counter);
    return answer;
  });
  if (answer.status === 200) return;
  if (answer.status === 404) {
    log.info(`cleanup: ${session.repository}@${image.digest} was removed already${harborSays(answer.errorMessage)}`);
    return;
  }
  throw new Error(await explainCleanupRefusal(session, settings, image, answer));
}

/** Why Harbor kept the artifact, and what to change (docs/smoke-test.md). */
async function explainCleanupRefusal(session: RegistrySession, settings: CleanupSettings, image: PushedImage, answer: RegistryAnswer): Promise<string> {
  const project = projectOf(session.repository);
  const says = harborSays(answer.errorMessage);
  const keep = 'or set smoke-test-keep: true';
  if (answer.status === 403 && answer.errorCode === 'FORBIDDEN') {
    // src/common/rbac/project/rbac_role.go: developers may push, only maintainers and project admins delete artifacts.
    return `Harbor lets "${settings.username}" push to project "${project}" but not delete from it${says}: deleting an artifact needs the maintainer or projectAdmin role (Project → Members), ${keep}`;
  }
  if (answer.status === 412) {
    // src/controller/tag/controller.go Delete: an immutable tag is never deleted.
    return `its tag ${image.tag} is immutable in project "${project}"${says}: exclude the smoke test's tags (smoke-*) from the project's immutability rule (Project → Policy → Tag Immutability), ${keep}`;
  }
  if (answer.status === 401) {
    // src/server/middleware/security/oidc_cli.go: a CLI secret counts on /v2 and /service/token, not for deleting through the API.
    const oidc = await authModeIsOidc(session.http, session.baseUrl, 'cleanup');
    return oidc
      ? `Harbor's API refused the credentials of "${settings.username}"${says}, which the registry accepted: Harbor authenticates through OIDC, and a CLI secret is accepted by the registry, not by the API. Use a robot account with push and delete permissions as smoke-test-username, ${keep}`
      : `Harbor's API refused the credentials of "${settings.username}"${says}, which the registry accepted: use a user or robot account that may log in to the API, ${keep}`;
  }
  return `Harbor answered ${answer.status} to deleting it${says}`;
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
