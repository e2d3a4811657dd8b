import { inGroup, log } from '../report/log.js';
import { registerSecret } from '../report/redact.js';
import { login, type Authorization } from './auth.js';
import { RetryBudget } from './backoff.js';
import { cleanUp } from './cleanup.js';
import { pushWithDocker, removeDockerConfig, removeLocalImage } from './docker-client.js';
import { SmokeTestError } from './errors.js';
import { NetworkFailure, RegistryHttp } from './http.js';
import { buildSmokeImage } from './image.js';
import { pushImage } from './native-push.js';
import { readBackImage } from './readback.js';
import type { RegistrySession } from './registry-session.js';
import { AttemptCounter, retrying, type RetryContext } from './retry-policy.js';

export { SmokeTestError } from './errors.js';
export type { SmokeFailureCause } from './errors.js';
export { diagnoseRegistryLog } from './diagnose.js';

export interface SmokeTestOptions {
  /** e.g. https://harbor.example.com or http://127.0.0.1:PORT */
  registryUrl: string;
  /** Harbor's external-url: Harbor may announce its token service there; a realm on a third host is a named failure cause. */
  externalUrl?: string;
  /** e.g. library/harbor-smoke */
  repository: string;
  username: string;
  password: string;
  /** The input the password came from, named when Harbor refuses it (default smoke-test-password). */
  passwordInput?: 'smoke-test-password' | 'admin-password';
  /** Overall retry budget. */
  timeoutMs: number;
  /** Skip cleanup. */
  keep: boolean;
  client: 'native' | 'docker';
  /** The docker CLI, for client 'docker'. */
  dockerPath?: string;
  /** Scratch directory (the docker client's DOCKER_CONFIG lives here). */
  workDir: string;
  /** First backoff ceiling; injectable for tests. */
  backoffBaseMs?: number;
  /** Reads the registry's log once retries run out (the registry pod's log when the cluster is reachable). */
  readRegistryLog?: () => Promise<string>;
}

export interface SmokeTestResult {
  digest: string;
  /** 1 + every retry of every step (a push that needed no retry: 1). */
  attempts: number;
  seconds: number;
  /** Requests the native client sent (for the docker client: login, read-back and cleanup only). */
  requests: number;
  /** Request body bytes the native client sent (blobs and manifest, re-sends included). */
  bytesUploaded: number;
  cleanedUp: boolean;
}

/**
 * Logs in, pushes a tiny unique image, reads it back by tag and checks its digests, and removes
 * it again: the proof that the registry and its storage accept pushes, retried through COS
 * listing lag and failed at once for causes a retry cannot fix.
 */
export async function runSmokeTest(options: SmokeTestOptions): Promise<SmokeTestResult> {
  registerSecret(options.password);
  registerSecret(`${options.username}:${options.password}`);
  const started = performance.now();
  const budget = new RetryBudget({ timeoutMs: options.timeoutMs, baseMs: options.backoffBaseMs });
  const retry: RetryContext = { budget, counter: new AttemptCounter(), readRegistryLog: options.readRegistryLog };
  const http = new RegistryHttp(() => budget.remainingMs());
  const baseUrl = new URL(options.registryUrl);
  const image = buildSmokeImage();

  return inGroup(`Smoke test: push ${options.repository}:${image.tag} with the ${options.client} client`, async () => {
    const settings = {
      baseUrl,
      externalUrl: options.externalUrl,
      repository: options.repository,
      username: options.username,
      password: options.password,
      passwordInput: options.passwordInput ?? 'smoke-test-password',
    };
    const authorization = await retrying(retry, 'login', () => login(http, settings, retry.counter));
    retry.renewToken = authorization.renew;
    const session: RegistrySession = { http, baseUrl, repository: options.repository, authorization, retry };
    let digest: string;
    if (options.client === 'docker') {
      if (!options.dockerPath) throw new SmokeTestError('smoke-test-client docker needs the docker CLI', { cause: 'docker', attempts: retry.counter.attempts });
      await checkDockerReachesRealm(http, authorization, retry.counter);
      try {
        const pushed = await pushWithDocker({ ...options, dockerPath: options.dockerPath }, image, retry);
        digest = await readBackImage(session, image.tag, pushed.digest);
        if (!options.keep) await removeLocalImage(options.dockerPath, options.workDir, pushed.reference);
      } finally {
        await removeDockerConfig(options.workDir);
      }
    } else {
      const pushedDigest = await pushImage(session, image);
      digest = await readBackImage(session, image.tag, pushedDigest);
    }
    const attempts = retry.counter.attempts;
    log.info(`Smoke test: ${options.repository}@${digest} pushed and read back after ${attempts} attempt(s)`);
    // Cleanup gets a budget of its own: a push that used the whole budget still deserves a cleanup.
    const cleanupSession = { ...session, retry: { budget: new RetryBudget({ timeoutMs: 30_000, baseMs: options.backoffBaseMs }), counter: new AttemptCounter() } };
    const cleanedUp = options.keep ? false : await cleanUp(cleanupSession, options, { digest, tag: image.tag });
    return {
      digest,
      attempts,
      seconds: Math.round((performance.now() - started) / 10) / 100,
      requests: http.requests,
      bytesUploaded: http.bytesUploaded,
      cleanedUp,
    };
  });
}

/**
 * docker follows the token realm Harbor announced, not registry-url: up to v2.13 that is Harbor's
 * external URL, from v2.14 registry-url's host with the external URL's scheme. When the native
 * login fetched its token elsewhere, check before docker runs that the runner reaches the
 * announced realm at all: a host that does not resolve or refuses does not change on a retry.
 */
async function checkDockerReachesRealm(http: RegistryHttp, authorization: Authorization, counter: AttemptCounter): Promise<void> {
  const realm = authorization.announcedRealm;
  if (!realm) return;
  try {
    await http.send('login', 'GET', new URL(realm.pathname, realm.origin));
  } catch (error) {
    if (!(error instanceof NetworkFailure)) throw error;
    throw new SmokeTestError(
      `docker fetches its tokens from the realm Harbor announces, ${realm.origin}${realm.pathname}, and the runner cannot reach it (${error.code}). ` +
        "Harbor v2.8–v2.13 announces its external URL, v2.14 and later the host a request reached with the external URL's scheme; the native client fetches its tokens through registry-url instead. " +
        `Set smoke-test-client: native, or run the smoke test where ${realm.origin} answers`,
      { cause: 'unreachable', attempts: counter.attempts },
    );
  }
}
