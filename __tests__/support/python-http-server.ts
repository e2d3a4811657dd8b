import { spawn } from 'node:child_process';

/**
 * `python3 -m http.server` serving `root` on 127.0.0.1: an HTTP/1.0 server that closes each
 * connection after the body, as plain static mirrors do (Python's http.server.SimpleHTTPRequestHandler,
 * protocol_version HTTP/1.0).
 */
export async function startPythonHttpServer(root: string): Promise<{ url: string; close(): Promise<void> }> {
  // -u: unbuffered, so the "Serving HTTP on … port N" line arrives while it runs.
  const child = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', root], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /port (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', () => undefined);
    child.on('exit', (code) => reject(new Error(`python3 -m http.server exited ${code}: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
