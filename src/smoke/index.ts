import { inGroup, log } from '../report/log.js';
import { registerSecret } from '../report/redact.js';
import { login } from './auth.js';
import { RetryBudget } from './backoff.js';
import { cleanUp } from './cleanup.js';
import { pushWithDocker, removeDockerConfig, removeLocalImage } from './docker-client.js';
import { SmokeTestError } from './errors.js';
import { RegistryHttp } from './http.js';
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
  /** Harbor's external-url: a token realm on another host is a named failure cause. */
  externalUrl?: string;
  /** e.g. library/harbor-smoke */
  repository: string;
  username: string;
  password: string;
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
    const authorization = await retrying(retry, 'login', () =>
      login(http, { baseUrl, externalUrl: options.externalUrl, repository: options.repository, username: options.username, password: options.password }, retry.counter),
    );
    const session: RegistrySession = { http, baseUrl, repository: options.repository, authorization, retry };
    let digest: string;
    if (options.client === 'docker') {
      if (!options.dockerPath) throw new SmokeTestError('smoke-test-client docker needs the docker CLI', { cause: 'docker', attempts: retry.counter.attempts });
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
    const cleanedUp = options.keep ? false : await cleanUp(cleanupSession, options, digest);
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
