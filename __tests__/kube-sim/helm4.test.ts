import { describe, expect, it } from 'vitest';
import { realBinaries } from '../support/binaries.js';
import { startKubeSim } from '../support/kube-sim/index.js';
import { describeHelmLifecycle } from './helm-lifecycle.js';
import { CHART, clientsFor } from './harness.js';

describeHelmLifecycle(4);

describe('Helm 4 against a server without watch-list', () => {
  it('falls back to LIST + WATCH and still waits for readiness', async () => {
    const sim = await startKubeSim({ podReadyDelayMs: 150, rejectWatchList: true });
    const clients = clientsFor(sim);
    try {
      const result = await clients.run(realBinaries().helm4, ['upgrade', '--install', 'reg', CHART, '--namespace', 'registry', '--create-namespace', '--wait', '--timeout', '60s']);
      expect(result.code).toBe(0);
      expect(sim.journal.some((e) => e.query.sendInitialEvents === 'true' && e.status === 422)).toBe(true);
      expect(sim.journal.some((e) => e.watch && e.query.resourceVersion && e.query.resourceVersion !== '0' && e.status === 200)).toBe(true);
      expect(sim.get('apps/v1', 'Deployment', 'registry', 'reg')?.status.availableReplicas).toBe(1);
    } finally {
      clients.cleanup();
      await sim.close();
    }
  });
});
