/**
 * The Helm release lifecycle against kube-sim, run with the real Helm 3 and Helm 4. The steps
 * build on each other (install → upgrade → … → uninstall), like one operator session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realBinaries } from '../support/binaries.js';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';
import { CHART, clientsFor, decodeRelease, waitFor, type Clients } from './harness.js';

const NS = 'registry';
const RELEASE = 'reg';

export function describeHelmLifecycle(major: 3 | 4): void {
  describe(`Helm ${major} against kube-sim`, () => {
    let sim: KubeSim;
    let clients: Clients;
    let helmBinary: string;
    const helm = (args: string[], timeoutMs?: number) => clients.run(helmBinary, [...args, '--namespace', NS], { timeoutMs });
    const releaseSecrets = () =>
      sim.list('v1', 'Secret', NS).filter((s) => s.metadata.labels?.owner === 'helm' && s.metadata.labels?.name === RELEASE);
    const releaseStatus = (version: number) => releaseSecrets().find((s) => s.metadata.labels?.version === String(version))?.metadata.labels?.status;
    const configMessage = () => sim.get('v1', 'ConfigMap', NS, `${RELEASE}-config`)?.data?.message;

    beforeAll(async () => {
      helmBinary = major === 4 ? realBinaries().helm4 : realBinaries().helm3;
      sim = await startKubeSim({ podReadyDelayMs: 150 });
      clients = clientsFor(sim);
    });

    afterAll(async () => {
      clients?.cleanup();
      await sim?.close();
    });

    it('installs with --wait: objects, a Ready deployment and a deployed release Secret', async () => {
      const result = await helm(['upgrade', '--install', RELEASE, CHART, '--create-namespace', '--wait', '--timeout', '60s', '--set', 'extraConfig=true']);
      expect(result.output).toContain('STATUS: deployed');
      expect(result.code).toBe(0);
      const deployment = sim.get('apps/v1', 'Deployment', NS, RELEASE)!;
      expect(deployment.status.availableReplicas).toBe(1);
      expect(deployment.status.conditions.find((c: { type: string }) => c.type === 'Available').status).toBe('True');
      expect(sim.get('v1', 'Service', NS, RELEASE)?.spec.clusterIP).toMatch(/^10\.96\./);
      expect(sim.get('v1', 'ConfigMap', NS, `${RELEASE}-extra`)).toBeDefined();
      expect(sim.get('policy/v1', 'PodDisruptionBudget', NS, RELEASE)?.status).toMatchObject({ currentHealthy: 1, desiredHealthy: 1 });
      expect(sim.get('v1', 'Secret', NS, `${RELEASE}-secret`)?.data?.password).toBe(Buffer.from('not-a-real-password').toString('base64'));
      const [stored] = releaseSecrets();
      expect(stored?.type).toBe('helm.sh/release.v1');
      expect(stored?.metadata.name).toBe(`sh.helm.release.v1.${RELEASE}.v1`);
      expect(stored?.metadata.labels?.status).toBe('deployed');
      const release = decodeRelease(stored!);
      expect(release.name).toBe(RELEASE);
      expect(String(release.manifest)).toContain('kind: Deployment');
      // The release Secret travels as a protobuf body: create and update must both have landed.
      const secretWrites = sim.writes().filter((e) => e.path === `/api/v1/namespaces/${NS}/secrets` || e.path.includes('sh.helm.release'));
      expect(secretWrites.some((e) => e.contentType?.includes('protobuf'))).toBe(true);
      if (major === 4) {
        expect(sim.writes().some((e) => e.method === 'PATCH' && e.contentType === 'application/apply-patch+yaml' && e.query.fieldManager === 'helm')).toBe(true);
      }
    });

    it('upgrades with changed values, deletes what the chart dropped, and supersedes revision 1', async () => {
      const result = await helm(['upgrade', '--install', RELEASE, CHART, '--wait', '--timeout', '60s', '--set', 'message=changed']);
      expect(result.code).toBe(0);
      expect(configMessage()).toBe('changed');
      expect(sim.get('v1', 'ConfigMap', NS, `${RELEASE}-extra`)).toBeUndefined();
      expect(releaseStatus(1)).toBe('superseded');
      expect(releaseStatus(2)).toBe('deployed');
      const deployment = sim.get('apps/v1', 'Deployment', NS, RELEASE)!;
      expect(deployment.metadata.generation).toBe(2);
      expect(deployment.status.observedGeneration).toBe(2);
      expect(sim.list('apps/v1', 'ReplicaSet', NS).map((rs) => rs.spec.replicas).sort()).toEqual([0, 1]);
    });

    it('answers get values, get manifest, history and status -o json from the release storage', async () => {
      const values = await helm(['get', 'values', RELEASE]);
      expect(values.code).toBe(0);
      expect(values.stdout).toContain('message: changed');
      expect(values.stdout).not.toContain('extraConfig');
      const manifest = await helm(['get', 'manifest', RELEASE]);
      expect(manifest.stdout).toContain('kind: ConfigMap');
      expect(manifest.stdout).toContain('message: "changed"');
      const history = await helm(['history', RELEASE, '-o', 'json']);
      const revisions = JSON.parse(history.stdout) as { revision: number; status: string }[];
      expect(revisions.map((r) => [r.revision, r.status])).toEqual([
        [1, 'superseded'],
        [2, 'deployed'],
      ]);
      const status = await helm(['status', RELEASE, '-o', 'json']);
      expect(status.code).toBe(0);
      const parsed = JSON.parse(status.stdout) as { name: string; version: number; info: { status: string } };
      expect(parsed).toMatchObject({ name: RELEASE, version: 2, info: { status: 'deployed' } });
    });

    it('rolls back to revision 1 as a new revision 3', async () => {
      const result = await helm(['rollback', RELEASE, '1', '--wait', '--timeout', '60s']);
      expect(result.code).toBe(0);
      expect(result.output).toContain('Rollback was a success');
      expect(configMessage()).toBe('hello');
      expect(sim.get('v1', 'ConfigMap', NS, `${RELEASE}-extra`)).toBeDefined();
      expect(releaseStatus(3)).toBe('deployed');
      expect(releaseStatus(2)).toBe('superseded');
    });

    it('fails --wait on a crash-looping deployment the way this Helm reports it', async () => {
      const args = ['upgrade', RELEASE, CHART, '--wait', '--set', 'image=registry.example/fault-crashloopbackoff:1', '--set', 'progressDeadlineSeconds=2'];
      const result = await helm([...args, '--timeout', major === 4 ? '30s' : '4s']);
      expect(result.code).toBe(1);
      if (major === 4) {
        expect(result.stderr).toContain(`resource Deployment/${NS}/${RELEASE} not ready. status: Failed, message: Progress deadline exceeded`);
      } else {
        expect(result.stderr).toContain('Error: UPGRADE FAILED: context deadline exceeded');
      }
      expect(releaseStatus(4)).toBe('failed');
      const pods = sim.list('v1', 'Pod', NS).filter((p) => p.spec.containers[0].image.includes('crashloop'));
      expect(pods[0]?.status.containerStatuses[0].state.waiting.reason).toBe('CrashLoopBackOff');
    });

    if (major === 4) {
      it('times out --wait on an image that cannot be pulled, naming the resource in progress', async () => {
        const result = await helm(['upgrade', RELEASE, CHART, '--wait', '--timeout', '3s', '--set', 'image=registry.example/fault-imagepullbackoff:1']);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(`resource Deployment/${NS}/${RELEASE} not ready. status: InProgress`);
        expect(result.stderr).toContain('context deadline exceeded');
      });
    }

    it('leaves a pending release when killed mid-wait; the next upgrade is refused without writing', async () => {
      const before = releaseSecrets().length;
      const child = clients.start(helmBinary, ['upgrade', RELEASE, CHART, '--namespace', NS, '--wait', '--timeout', '120s', '--set', 'image=registry.example/fault-imagepullbackoff:2']);
      const exited = new Promise((resolve) => child.on('close', resolve));
      await waitFor(
        () => sim.get('apps/v1', 'Deployment', NS, RELEASE)?.spec.template.spec.containers[0].image === 'registry.example/fault-imagepullbackoff:2',
        'the killed upgrade to patch the deployment',
      );
      child.kill('SIGKILL');
      await exited;
      const pendingVersion = before + 1;
      expect(releaseStatus(pendingVersion)).toBe('pending-upgrade');

      const writesBefore = sim.writes().length;
      const blocked = await helm(['upgrade', RELEASE, CHART, '--wait', '--timeout', '30s']);
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toContain('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress');
      expect(sim.writes().length).toBe(writesBefore);

      const rollback = await helm(['rollback', RELEASE, '3', '--wait', '--timeout', '60s']);
      expect(rollback.code).toBe(0);
      expect(releaseStatus(pendingVersion + 1)).toBe('deployed');
      expect(sim.get('apps/v1', 'Deployment', NS, RELEASE)?.status.availableReplicas).toBe(1);
    });

    it('stops before touching any object when the API fails to store the release', async () => {
      sim.injectRequestFault({ method: 'POST', path: new RegExp(`^/api/v1/namespaces/${NS}/secrets$`), status: 500, times: 1 });
      const writesBefore = sim.writes().length;
      const result = await helm(['upgrade', RELEASE, CHART, '--wait', '--timeout', '30s', '--set', 'message=never-applied']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Internal error occurred: simulated fault');
      expect(sim.writes().length).toBe(writesBefore);
      expect(configMessage()).toBe('hello');
    });

    it('uninstalls: chart objects and release Secrets are gone', async () => {
      const result = await helm(['uninstall', RELEASE]);
      expect(result.code).toBe(0);
      expect(result.output).toContain(`release "${RELEASE}" uninstalled`);
      expect(sim.get('apps/v1', 'Deployment', NS, RELEASE)).toBeUndefined();
      expect(sim.get('v1', 'ConfigMap', NS, `${RELEASE}-config`)).toBeUndefined();
      expect(releaseSecrets()).toEqual([]);
      await waitFor(() => sim.list('v1', 'Pod', NS).length === 0, 'garbage collection of the pods');
      const history = await helm(['history', RELEASE]);
      expect(history.code).toBe(1);
      expect(history.stderr).toContain('release: not found');
    });
  });
}

