/**
 * The readiness watch with kubectl 1.34 against kube-sim: evidence of a crash-looping component
 * must survive what helm's rollback on failure does to it (pods deleted, the workload ready again).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose, type PodFields } from '../../src/kube/diagnose.js';
import { Kubectl } from '../../src/kube/kubectl.js';
import { ReadinessWatch } from '../../src/kube/readiness.js';
import type { Workload } from '../../src/kube/workloads.js';
import { realBinaries } from '../support/binaries.js';
import { CRASH_LOG_ANNOTATION, FAULT_ANNOTATION, startKubeSim, type KubeSim } from '../support/kube-sim/index.js';
import { waitFor } from '../kube-sim/harness.js';

const NAMESPACE = 'registry';
const RELEASE = 'reg';
const CRASH_LOG = 'FATAL: password authentication failed for user "postgres"';

function coreDeployment(name: string, crashing: boolean, release = RELEASE) {
  const labels = { release, app: 'harbor', component: 'core' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, ...(crashing ? { annotations: { [FAULT_ANNOTATION]: 'CrashLoopBackOff', [CRASH_LOG_ANNOTATION]: CRASH_LOG } } : {}) },
        spec: { containers: [{ name: 'core', image: 'goharbor/harbor-core:v2.14.1' }] },
      },
    },
  };
}

function podsOf(sim: KubeSim, deployment: string): PodFields[] {
  return sim.list('v1', 'Pod', NAMESPACE).filter((pod) => pod.metadata.name?.startsWith(`${deployment}-`)) as unknown as PodFields[];
}

function crashLooping(pod: PodFields): boolean {
  return pod.status?.containerStatuses?.some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff') === true;
}

describe('readiness watch and diagnosis', () => {
  let sim: KubeSim;
  let home: string;
  let kubectl: Kubectl;

  beforeAll(async () => {
    sim = await startKubeSim({ podReadyDelayMs: 150, namespaces: ['default', NAMESPACE] });
    home = mkdtempSync(join(tmpdir(), 'readiness-test-'));
    kubectl = new Kubectl({ kubectlPath: realBinaries().kubectl, kubeconfig: sim.writeKubeconfig(home) });
  });

  afterAll(async () => {
    await sim?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('names a component that crash-looped and was rolled back to ready, with the log read while it ran', async () => {
    const core: Workload = { kind: 'Deployment', name: 'reg-harbor-core', component: 'core' };
    const watch = new ReadinessWatch(kubectl, NAMESPACE, RELEASE, [core]);
    await watch.start();
    try {
      await kubectl.apply([coreDeployment(core.name, true)]);
      // The crash is diagnosed as soon as the pod watch sees it, not after a fixed delay.
      await waitFor(() => watch.lastDiagnosis?.components[0]?.logTail, 'a diagnosis with the crashing container log');
      // What helm's rollback does: the previous template again, the crashing pod deleted, core ready.
      await kubectl.apply([coreDeployment(core.name, false)]);
      await waitFor(() => watch.times().ready.has('core') && !podsOf(sim, core.name).some(crashLooping), 'core ready again without the crashing pod');
    } finally {
      await watch.stop();
    }

    const diagnosis = await watch.failureDiagnosis();
    expect(diagnosis.components.map((c) => c.workload.component)).toEqual(['core']);
    const [component] = diagnosis.components;
    expect(component!.pods[0]!.containers.join('\n')).toMatch(/core: CrashLoopBackOff \(restarts \d+, last exit 1/);
    expect(component!.logTail?.lines).toContain(CRASH_LOG);
    expect(diagnosis.hints).toContain('PostgreSQL refused the password: check database-password and database-username.');
  });

  it('describes a pod the watch saw crash-looping after it was deleted, marked as deleted', async () => {
    const release = 'gone';
    const name = `${release}-harbor-core`;
    await kubectl.apply([coreDeployment(name, true, release)]);
    const [seen] = await waitFor(() => {
      const crashing = podsOf(sim, name).filter(crashLooping);
      return crashing.length > 0 && crashing;
    }, 'a crash-looping pod');
    sim.remove('apps/v1', 'Deployment', NAMESPACE, name);
    await waitFor(() => podsOf(sim, name).length === 0, 'the pods deleted with their Deployment');

    const diagnosis = await diagnose(kubectl, NAMESPACE, release, [{ workload: { kind: 'Deployment', name, component: 'core' } }], { pods: [seen!] });
    const pods = diagnosis.components[0]!.pods;
    expect(pods).toHaveLength(1);
    expect(pods[0]).toMatchObject({ name: seen!.metadata.name, deleted: true });
    expect(pods[0]!.containers[0]).toContain('CrashLoopBackOff');
  });
});
