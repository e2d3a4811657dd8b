import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realBinaries } from './binaries.js';

/**
 * The real kubectl as a person runs it against a simulated cluster, to make live edits. Spawned
 * asynchronously: the simulated API server runs in the test's own process.
 */
export function kubectlByHand(kubeconfigFile: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(realBinaries().kubectl, ['--kubeconfig', kubeconfigFile, ...args], { env: { ...process.env, HOME: mkdtempSync(join(tmpdir(), 'kubectl-home-')) } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`))));
  });
}
