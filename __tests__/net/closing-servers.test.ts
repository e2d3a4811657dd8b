import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostNode, packagedNode } from '../e2e/runtimes.js';
import { startChartRepository } from '../support/chart-repo.js';
import { startPythonHttpServer } from '../support/python-http-server.js';
import { projectRoot, runAction } from '../support/run-action.js';
import { seedInputs } from '../support/seed.js';
import { mirrorLayout } from '../support/tool-mirror/layout.js';
import type { ToolMirror } from '../support/tool-mirror/server.js';

/**
 * Every HTTP client of the action against servers that close the connection after the body, under
 * the Node 24 that action.yml names and under Node 20: these crashed undici 6 (the global
 * dispatcher @actions/core installs) with an uncatchable AssertionError (nodejs/undici issue 5360).
 */
const runtimes = [packagedNode(), hostNode(20)];
/** Installs in a row per runtime: the crash hit 3 of 12 before. */
const INSTALLS = 12;

let pythonMirror: { url: string; close(): Promise<void> };
let charts: ToolMirror;
const scratch: string[] = [];

beforeAll(async () => {
  [pythonMirror, charts] = await Promise.all([startPythonHttpServer(mirrorLayout().root), startChartRepository()]);
});
afterAll(async () => {
  await pythonMirror?.close();
  await charts?.close();
  for (const directory of scratch) rmSync(directory, { recursive: true, force: true });
});

for (const runtime of runtimes) {
  describe(`under Node ${runtime.major} (${runtime.version})`, () => {
    it('reads whole answers from raw-socket servers that write the response and FIN at once: downloads, checksums, registry, Harbor API, COS, TKE', async () => {
      const { stdout, stderr } = await promisify(execFile)(runtime.path, ['--import', 'tsx', join(projectRoot, '__tests__', 'support', 'http-clients-probe.ts'), '10'], {
        cwd: projectRoot,
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(stderr).toBe('');
      const { results } = JSON.parse(stdout.trim().split('\n').pop()!) as { results: Record<string, { ok: number; failed: number; errors: string[] }> };
      expect(Object.keys(results)).toHaveLength(12);
      for (const [client, result] of Object.entries(results)) expect({ client, ...result }).toEqual({ client, ok: 10, failed: 0, errors: [] });
    });

    it(`installs helm ${INSTALLS} times in a row from python3 -m http.server through the bundle`, async () => {
      const outcomes: string[] = [];
      for (let i = 0; i < INSTALLS; i++) {
        // A new tool cache each time: every run downloads the archive and its checksum.
        const run = await runAction({ ...seedInputs, mode: 'render', 'helm-mirror': pythonMirror.url, 'chart-repo': charts.url }, { nodePath: runtime.path });
        scratch.push(run.runnerDir);
        outcomes.push(run.exitCode === 0 && run.stderr === '' && /helm v4\.1\.4: sha256 [0-9a-f]{64} matches/.test(run.stdout) ? 'installed' : `exit ${run.exitCode}: ${run.stderr.slice(0, 300)}`);
      }
      expect(outcomes).toEqual(Array(INSTALLS).fill('installed'));
    });
  });
}
