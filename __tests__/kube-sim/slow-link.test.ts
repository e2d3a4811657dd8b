import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realBinaries } from '../support/binaries.js';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';
import { CHART, clientsFor, waitFor, type Clients } from './harness.js';

/**
 * kube-sim behind its long link (latencyMs): the real helm and kubectl work through it unchanged,
 * TLS and token included, and a watch still delivers every event, in order. How long things take
 * is the benchmark's business (npm run bench long-link), not a test's.
 */
let sim: KubeSim;
let clients: Clients;

beforeAll(async () => {
  sim = await startKubeSim({ tls: true, token: 'slow-link-token-0123456789', latencyMs: 40, podReadyDelayMs: 50 });
  clients = clientsFor(sim);
});
afterAll(async () => {
  clients?.cleanup();
  await sim?.close();
});

describe('a long link in front of kube-sim', () => {
  it('carries kubectl and helm, TLS and token included, and every request reaches the journal', async () => {
    const before = sim.journal.length;
    const version = await clients.run(realBinaries().kubectl, ['version', '-o', 'json']);
    expect(version.code, version.stderr).toBe(0);
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toMatch(/^v1\.34/);
    const install = await clients.run(realBinaries().helm4, ['upgrade', '--install', 'slow', CHART, '-n', 'default', '--wait=watcher', '--timeout', '60s']);
    expect(install.code, install.stderr).toBe(0);
    expect(sim.journal.length).toBeGreaterThan(before);
    expect(sim.get('apps/v1', 'Deployment', 'default', 'slow')).toBeDefined();
  });

  it('delivers watch events in the order they happened', async () => {
    const watch = clients.start(realBinaries().kubectl, ['get', 'configmaps', '-n', 'default', '-l', 'order=kept', '--watch', '--output-watch-events', '-o', 'jsonpath={.object.data.n}{"\\n"}']);
    let seen = '';
    watch.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    try {
      await waitFor(() => sim.journal.some((entry) => entry.watch && entry.path.endsWith('/configmaps')), 'the watch to start');
      for (let n = 1; n <= 5; n++) sim.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `ordered-${n}`, namespace: 'default', labels: { order: 'kept' } }, data: { n: String(n) } });
      await waitFor(() => seen.trim().split('\n').length >= 5, 'five events');
      expect(seen.trim().split('\n')).toEqual(['1', '2', '3', '4', '5']);
    } finally {
      watch.kill();
    }
  });
});
