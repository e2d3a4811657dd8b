import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lastLine, runTool, ToolTimeoutError } from '../tools/exec.js';
import { SmokeTestError, type SmokeFailureCause } from './errors.js';
import { explainDeniedPush, explainUnauthorized } from './harbor-answers.js';
import type { SmokeImage } from './image.js';
import { RetryableFailure, TokenRefused, retrying, type RetryContext } from './retry-policy.js';

export interface DockerPushSettings {
  dockerPath: string;
  registryUrl: string;
  repository: string;
  username: string;
  password: string;
  workDir: string;
}

/** The docker client's own config directory: no stored credentials of the runner are touched or left behind. */
export function dockerConfigDir(workDir: string): string {
  return join(workDir, 'docker-config');
}

export async function removeDockerConfig(workDir: string): Promise<void> {
  await rm(dockerConfigDir(workDir), { recursive: true, force: true });
}

/**
 * Pushes with `docker`, once the native login has checked the credentials and the token realm:
 * login (retried on 5xx, which docker itself never retries), an image made
 * with `docker import` (nothing is pulled), and `docker push` re-run as a whole on failure: docker
 * gives up at once on a failed config blob or manifest, and a re-run skips the blobs it committed.
 * Returns the reference pushed and the digest docker reported.
 */
export async function pushWithDocker(settings: DockerPushSettings, image: SmokeImage, retry: RetryContext): Promise<{ reference: string; digest: string }> {
  const configDir = dockerConfigDir(settings.workDir);
  await mkdir(configDir, { recursive: true });
  const env = { DOCKER_CONFIG: configDir };
  const host = new URL(settings.registryUrl).host;
  const reference = `${host}/${settings.repository}:${image.tag}`;
  // docker retries some uploads itself, for longer than any smoke-test-timeout: stop it at the deadline.
  const docker = async (args: string[], stdin?: string) => {
    try {
      return await runTool(settings.dockerPath, args, { env, stdin, acceptExitCodes: [1], timeoutMs: Math.max(MIN_DOCKER_RUN_MS, retry.budget.remainingMs()) });
    } catch (error) {
      if (!(error instanceof ToolTimeoutError)) throw error;
      const output = lastLine(error.stderr);
      throw new RetryableFailure(`docker ${args[0]} → stopped when smoke-test-timeout ran out${output ? ` (${output})` : ''}`, undefined, undefined, undefined, false);
    }
  };

  await retrying(retry, 'docker login', async () => {
    const result = await docker(['login', '--username', settings.username, '--password-stdin', host], settings.password);
    // The native login has just proven these credentials, and dockerd reports a failed ping
    // (503) as "401 Unauthorized": here a 401 is a ping that failed, retried like one.
    if (result.exitCode !== 0 && /401 Unauthorized/.test(result.stderr)) throw new RetryableFailure(`docker login → ${lastLine(result.stderr)}`, undefined, undefined, undefined, false);
    if (result.exitCode !== 0) judgeDockerFailure('docker login', result.stderr, retry, settings.repository);
  });

  const tarPath = join(settings.workDir, `${image.tag}.tar`);
  await writeFile(tarPath, image.layerTar);
  try {
    const imported = await docker(['import', tarPath, reference]);
    if (imported.exitCode !== 0) judgeDockerFailure('docker import', imported.stderr, retry, settings.repository);
  } finally {
    await rm(tarPath, { force: true });
  }

  const digest = await retrying(retry, 'docker push', async () => {
    const result = await docker(['push', reference]);
    if (result.exitCode !== 0) judgeDockerFailure('docker push', result.stderr, retry, settings.repository);
    const match = /digest: (sha256:[0-9a-f]{64})/.exec(result.stdout);
    if (!match) throw new SmokeTestError('docker push succeeded but printed no digest', { cause: 'docker', attempts: retry.counter.attempts });
    return match[1]!;
  });
  return { reference, digest };
}

export async function removeLocalImage(dockerPath: string, workDir: string, reference: string): Promise<void> {
  await runTool(dockerPath, ['rmi', reference], { env: { DOCKER_CONFIG: dockerConfigDir(workDir) }, acceptExitCodes: [1] });
}

/** Even the last try of a step gets this long: docker needs a moment to start and connect. */
const MIN_DOCKER_RUN_MS = 1000;

/** Which docker failures can succeed on a re-run: docker prints the same text whether or not it retried itself. */
const NOT_RETRYABLE: Array<{ pattern: RegExp; cause: SmokeFailureCause; message: string }> = [
  { pattern: /401 Unauthorized|incorrect username or password|unauthorized: authentication required/i, cause: 'wrong-password', message: 'the registry refused the username or password: check smoke-test-username and smoke-test-password (or admin-password)' },
  { pattern: /denied|unauthorized|forbidden/i, cause: 'denied', message: 'the registry denied the push (no push permission, or the project does not exist)' },
  { pattern: /name unknown|NAME_UNKNOWN|not found: manifest unknown/i, cause: 'not-found', message: 'the repository or its project does not exist' },
  { pattern: /x509|certificate|tls: /i, cause: 'tls', message: 'TLS failed: check the certificate and the scheme of registry-url' },
  { pattern: /HTTP 400|status: 400|Cannot connect to the Docker daemon|invalid reference/i, cause: 'docker', message: 'docker failed in a way a retry cannot fix' },
];


/**
 * Harbor's refusal as docker prints it: the error code in lower case, then Harbor's message
 * (docker/distribution registry/api/errcode: "denied: The system is in read only mode. …").
 */
function harborRefusal(stderr: string): { code: string; message: string } | undefined {
  const matches = [...stderr.matchAll(/\b(denied|unauthorized|forbidden): (.+)$/gm)];
  const last = matches.at(-1);
  return last ? { code: last[1]!, message: last[2]!.trim() } : undefined;
}

function judgeDockerFailure(step: string, stderr: string, retry: RetryContext, repository: string): never {
  const lastAttempt = `${step} → ${lastLine(stderr)}`;
  const refusal = harborRefusal(stderr);
  // The native login proved the credentials and the push grant: a refusal of the push itself is Harbor's to explain.
  if (step === 'docker push' && refusal?.code === 'unauthorized') {
    // docker keeps its token for the whole push: once it expired, a re-run fetches a new one (once).
    const { cause, message } = explainUnauthorized(repository, refusal.message);
    throw new TokenRefused(lastAttempt, undefined, new SmokeTestError(`${step}: ${message}`, { cause, attempts: retry.counter.attempts, lastAttempt }));
  }
  if (step === 'docker push' && refusal) {
    const { cause, message } = explainDeniedPush(repository, refusal.message);
    throw new SmokeTestError(`${step}: ${message}`, { cause, attempts: retry.counter.attempts, lastAttempt });
  }
  for (const { pattern, cause, message } of NOT_RETRYABLE) {
    if (pattern.test(stderr)) throw new SmokeTestError(`${step}: ${message}`, { cause, attempts: retry.counter.attempts, lastAttempt });
  }
  throw new RetryableFailure(lastAttempt, /toomanyrequests/i.test(stderr) ? 'TOOMANYREQUESTS' : undefined, undefined, undefined, false);
}
