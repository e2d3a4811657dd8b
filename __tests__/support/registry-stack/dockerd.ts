import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startProcess, waitUntil } from './processes.js';

const run = promisify(execFile);

export interface StartedDockerd {
  /** unix:///…/docker.sock, for DOCKER_HOST. */
  host: string;
  /** The docker CLI on PATH. */
  dockerPath: string;
  stop(): Promise<void>;
}

/**
 * Tier 4: Debian's dockerd with paths of its own and no networking features (nothing here can
 * create bridges or iptables rules, and no image is ever pulled). Clients set DOCKER_HOST.
 */
export async function startDockerd(): Promise<StartedDockerd> {
  const dir = mkdtempSync(join(tmpdir(), 'smoke-dockerd-'));
  for (const sub of ['data', 'exec']) mkdirSync(join(dir, sub));
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const daemon = startProcess('dockerd', [
    '--data-root', join(dir, 'data'),
    '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'docker.pid'),
    '--host', host,
    '--storage-driver=vfs',
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
  ]);
  const { stdout: dockerPath } = await run('sh', ['-c', 'command -v docker']);
  const stop = async (): Promise<void> => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil('dockerd', async () => (await run(dockerPath.trim(), ['--host', host, 'version'])).stdout.includes('Server'), 60_000, daemon);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, dockerPath: dockerPath.trim(), stop };
}
