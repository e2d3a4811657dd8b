/**
 * The action's last line of defence (src/run/guard.ts) in a process of its own, meeting a real
 * crash: undici 6's uncatchable AssertionError (nodejs/undici issue 5360), from fetch on the global
 * dispatcher @actions/core installs, reading a large answer slowly from a server that closes right
 * after it (as the action's downloads did before they moved to node:http); or an unhandled
 * rejection whose message holds a registered secret.
 *
 *   node --import tsx __tests__/support/guard-probe.ts undici|rejection <secret>
 */
import '@actions/core';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { registerSecret } from '../../src/report/redact.js';
import { guardRun } from '../../src/run/guard.js';
import { enterPhase, PHASE } from '../../src/run/phase.js';
import { startClosingServer } from './closing-server.js';

const [kind, secret] = process.argv.slice(2);
guardRun();
registerSecret(secret);
if (kind === 'undici') {
  enterPhase(PHASE.tools);
  const server = await startClosingServer(() => ({ status: 200, body: Buffer.alloc(4 * 1024 * 1024, 0x61) }));
  // As the action's downloads did before they moved to node:http: the body streamed into a file.
  // The crash depends on timing: it comes within a few tries on both runtimes; stop at the first.
  const file = join(mkdtempSync(join(tmpdir(), 'guard-probe-')), 'helm.tar.gz');
  for (let i = 0; i < 200 && !process.exitCode; i++) {
    const response = await fetch(`${server.url}/helm.tar.gz`);
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(file)).catch(() => undefined);
  }
  rmSync(dirname(file), { recursive: true, force: true });
  await server.close();
  console.log(process.exitCode ? 'probe: crashed' : 'probe: 200 downloads read, no crash');
} else {
  enterPhase(PHASE.smokeTest);
  void Promise.reject(new Error(`the registry answered with a token for ${secret}`));
  await new Promise((resolve) => setTimeout(resolve, 3000));
}
