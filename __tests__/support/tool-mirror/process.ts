import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The tool mirror in a child process: returns its URL and a stop function that waits for the exit. */
export async function startToolMirrorProcess(options: { bytesPerSecond?: number } = {}): Promise<{ url: string; stop: () => Promise<void> }> {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const env = { ...process.env, TOOL_MIRROR_BYTES_PER_SECOND: String(options.bytesPerSecond ?? 0) };
  const child: ChildProcess = spawn(process.execPath, ['--import', tsx, fileURLToPath(new URL('./main.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('http://'));
      if (line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`tool mirror process exited with ${code} before listening`)));
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
