/** Running the real helm and kubectl against a kube-sim, each test file in its own HOME. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { KubeObject, KubeSim } from '../support/kube-sim/index.js';

export const CHART = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'sim-app');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for messages that may go to either. */
  output: string;
}

export interface Clients {
  home: string;
  env: NodeJS.ProcessEnv;
  run(binary: string, args: string[], options?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  start(binary: string, args: string[]): ChildProcessWithoutNullStreams;
  cleanup(): void;
}

/** A HOME, helm folders and a kubeconfig of its own, so no discovery cache or release state leaks between tests. */
export function clientsFor(sim: KubeSim, options: { namespace?: string } = {}): Clients {
  const home = mkdtempSync(join(tmpdir(), 'kube-sim-clients-'));
  const kubeconfig = sim.writeKubeconfig(join(home, '.kube'), { namespace: options.namespace, fileName: 'config' });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    KUBECONFIG: kubeconfig,
    HELM_CACHE_HOME: join(home, 'helm-cache'),
    HELM_CONFIG_HOME: join(home, 'helm-config'),
    HELM_DATA_HOME: join(home, 'helm-data'),
    TMPDIR: home,
  };
  const children = new Set<ChildProcessWithoutNullStreams>();
  const start = (binary: string, args: string[]) => {
    const child = spawn(binary, args, { env });
    children.add(child);
    child.on('close', () => children.delete(child));
    return child;
  };
  return {
    home,
    env,
    start,
    run: (binary, args, runOptions = {}) =>
      new Promise((resolve, reject) => {
        const child = start(binary, args);
        let stdout = '';
        let stderr = '';
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk;
          output += chunk;
        });
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk;
          output += chunk;
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), runOptions.timeoutMs ?? 60_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr, output });
        });
        child.stdin.end(runOptions.input ?? '');
      }),
    cleanup: () => {
      for (const child of children) child.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Decodes a Helm release Secret's data.release: base64(gzip(JSON)) inside the Secret's own base64. */
export function decodeRelease(secret: KubeObject): Record<string, unknown> {
  const inner = Buffer.from(String(secret.data?.release ?? ''), 'base64').toString('utf8');
  return JSON.parse(gunzipSync(Buffer.from(inner, 'base64')).toString('utf8')) as Record<string, unknown>;
}
