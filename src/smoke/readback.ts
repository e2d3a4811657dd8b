import { SmokeTestError } from './errors.js';
import { describeAnswer, type RegistryAnswer } from './http.js';
import { MANIFEST_MEDIA_TYPE, sha256Digest } from './image.js';
import { headersFor, repositoryUrl, type RegistrySession } from './registry-session.js';
import { judgeAnswer, retrying } from './retry-policy.js';

/**
 * The proof that storage works: the manifest read back by tag has the pushed digest, and the
 * layer it names reads back with the sha256 it claims. Returns the manifest digest.
 */
export async function readBackImage(session: RegistrySession, tag: string, expectedDigest?: string): Promise<string> {
  const manifestAnswer = await retrying(session.retry, 'read back manifest', async () => {
    // Without an Accept of its type, a registry may answer another schema (or 404 for OCI).
    const answer = await session.http.send('read back manifest', 'GET', repositoryUrl(session, `manifests/${tag}`), {
      headers: headersFor(session, { Accept: MANIFEST_MEDIA_TYPE }),
    });
    if (answer.status !== 200) judgeAnswer('readback', answer, session.retry.counter);
    return answer;
  });
  const manifestDigest = sha256Digest(manifestAnswer.body);
  if (expectedDigest && manifestDigest !== expectedDigest) mismatch(session, `manifest ${tag} reads back as ${manifestDigest}, pushed ${expectedDigest}`, manifestAnswer);
  const layers = (JSON.parse(manifestAnswer.body.toString('utf8')) as { layers?: Array<{ digest: string }> }).layers ?? [];
  for (const { digest } of layers) {
    const layerAnswer = await retrying(session.retry, 'read back layer', async () => {
      const answer = await session.http.send('read back layer', 'GET', repositoryUrl(session, `blobs/${digest}`), { headers: headersFor(session) });
      if (answer.status !== 200) judgeAnswer('readback', answer, session.retry.counter);
      return answer;
    });
    const actual = sha256Digest(layerAnswer.body);
    if (actual !== digest) mismatch(session, `layer ${digest} reads back with sha256 ${actual}`, layerAnswer, layerAnswer.body.length === 0 ? EMPTY_READ : undefined);
  }
  return manifestDigest;
}

/**
 * Seen on S3 storage with listing lag: distribution 2.8 Stats an upload twice while committing it;
 * when the first Stat misses the object and the second finds it, the blob is stored whole but
 * recorded (and cached) with size 0, and reads back empty.
 */
const EMPTY_READ = {
  cause: 'the registry recorded the blob with size 0 while committing it through storage listing lag',
  hint: 'the blob data is stored but its cached size is wrong; run the smoke test again (a new image), and restart the registry to clear its blob descriptor cache if real images read back empty',
};

function mismatch(session: RegistrySession, message: string, answer: RegistryAnswer, diagnosis?: { cause: string; hint: string }): never {
  throw new SmokeTestError(message, { cause: 'digest-mismatch', attempts: session.retry.counter.attempts, lastAttempt: describeAnswer(answer), diagnosis });
}
