import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A server process started by a test: its combined output is kept for assertions and diagnosis. */
export interface StartedProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): StartedProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => chunks.join(''),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A port free right now (for daemons that take their address in a config file, not port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until `probe` resolves true; fails with the process output when the process dies or time runs out. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, started?: StartedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started && started.child.exitCode !== null) throw new Error(`${what} exited with ${started.child.exitCode}:\n${started.output().slice(-3000)}`);
    try {
      if (await probe()) return;
    } catch {
      // Not up yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms${started ? `:\n${started.output().slice(-3000)}` : ''}`);
}

/** The environment without AWS_CA_BUNDLE, which makes the registry's S3 driver panic at start. */
export function registryEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.AWS_CA_BUNDLE;
  return env;
}
