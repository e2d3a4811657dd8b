import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELM_VERSIONS, inputsOnRegistryStack, startDeployEnvironment, writesBesidesTheLock, type DeployEnvironment } from '../support/deploy-environment.js';
import { CRASH_LOG_ANNOTATION, FAULT_ANNOTATION, type KubeObject, type KubeSim, type KubeSimOptions } from '../support/kube-sim/index.js';
import { startS3RegistryStack, type S3RegistryStack } from '../support/registry-stack/s3-stack.js';
import { runAction as runBundle, type ActionRun } from '../support/run-action.js';
import { findLeaks } from '../support/secret-scan.js';
import { seedSecrets } from '../support/seed.js';

/**
 * Deploy mode through the bundle, with the real helm (4 and 3) and kubectl against the simulated
 * API server, the published Harbor chart 1.19.1 from a chart repository on 127.0.0.1.
 */
let environment: DeployEnvironment;

beforeAll(async () => {
  environment = await startDeployEnvironment();
});
afterAll(async () => {
  await environment?.close();
});

const cluster = (options?: KubeSimOptions) => environment.cluster(options);
const deployInputs = (kubeconfig: string, extra?: Record<string, string>) => environment.inputs(kubeconfig, { 'cfs-prepare-image': 'busybox:1.36', ...extra });

function deployAction(inputs: Record<string, string>): Promise<ActionRun> {
  return runBundle(inputs, { toolCache: environment.toolCache, post: true });
}

function deployment(sim: KubeSim, component: string): KubeObject {
  return sim.get('apps/v1', 'Deployment', 'registry', `registry-harbor-${component}`)!;
}

function podTemplates(sim: KubeSim): string {
  return JSON.stringify(['core', 'jobservice', 'registry', 'portal', 'nginx'].map((c) => (deployment(sim, c).spec as { template: unknown }).template));
}

/** The latest Helm release record, edited as a killed helm leaves it. */
function markLatestRevisionPending(sim: KubeSim, status: string): void {
  const records = sim.list('v1', 'Secret', 'registry').filter((s) => s.metadata.name?.startsWith('sh.helm.release.v1.registry.v'));
  const latest = records.sort((a, b) => Number(a.metadata.labels!.version) - Number(b.metadata.labels!.version)).pop()!;
  const data = latest.data as Record<string, string>;
  const release = JSON.parse(gunzipSync(Buffer.from(Buffer.from(data.release!, 'base64').toString(), 'base64')).toString());
  release.info.status = status;
  const encoded = Buffer.from(Buffer.from(gzipSync(JSON.stringify(release))).toString('base64')).toString('base64');
  sim.put({ ...latest, data: { release: encoded }, metadata: { ...latest.metadata, labels: { ...latest.metadata.labels, status } } });
}

for (const [helmName, helmVersion] of HELM_VERSIONS) {
  describe(`deploy with ${helmName}`, () => {
    let sim: KubeSim;
    let kubeconfig: string;
    let first: ActionRun;

    beforeAll(async () => {
      ({ sim, kubeconfig } = await cluster());
      first = await deployAction(deployInputs(kubeconfig, { 'helm-version': helmVersion }));
    });

    it('installs Harbor and reports every component ready', () => {
      expect(first.stderr).toBe('');
      expect(first.exitCode).toBe(0);
      expect(first.outputs).toMatchObject({ revision: '1', status: 'deployed', 'chart-version': '1.19.1', 'app-version': '2.15.1', 'front-service': 'registry/harbor:80' });
      expect(first.outputs['helm-version']).toMatch(helmName === 'Helm 4' ? /^v4\./ : /^v3\./);
      for (const component of ['core', 'jobservice', 'registry', 'portal', 'nginx']) expect(first.stdout).toMatch(new RegExp(`✓ ${component} ready after [\\d.]+ s`));
      expect(first.summary).toContain('deployed, revision 1');
      expect(first.summary).toMatch(/\| core \| after [\d.]+ s \|/);
    });

    it('creates the Secrets, CFS volume, claim and VirtualService of the seed, and removes the preparation Job', () => {
      const secret = sim.get('v1', 'Secret', 'registry', 'registry-harbor-tke-s3')!;
      expect(Buffer.from((secret.data as Record<string, string>).REGISTRY_STORAGE_S3_SECRETKEY!, 'base64').toString()).toBe(seedSecrets['cos-secret-key']);
      const htpasswd = Buffer.from((sim.get('v1', 'Secret', 'registry', 'registry-harbor-tke-registry-credentials')!.data as Record<string, string>).REGISTRY_HTPASSWD!, 'base64').toString();
      expect(htpasswd).toMatch(/^harbor_registry_user:\$2a\$10\$/);
      expect(sim.get('v1', 'PersistentVolume', undefined, 'registry-registry-harbor-jobservice-cfs')?.spec).toMatchObject({ nfs: { server: '10.10.0.15', path: '/registry/jobservice' }, persistentVolumeReclaimPolicy: 'Retain' });
      expect(sim.get('v1', 'PersistentVolumeClaim', 'registry', 'registry-harbor-jobservice-cfs')?.status).toMatchObject({ phase: 'Bound' });
      expect(sim.get('networking.istio.io/v1beta1', 'VirtualService', 'registry', 'registry-imroc-cc')?.spec).toMatchObject({ gateways: ['external/imroc'], hosts: ['registry.imroc.cc'] });
      expect(sim.journal.some((e) => e.method === 'POST' && e.path.endsWith('/jobs') || (e.method === 'PATCH' && e.path.includes('/jobs/registry-harbor-cfs-prepare')))).toBe(true);
      expect(sim.get('batch/v1', 'Job', 'registry', 'registry-harbor-cfs-prepare')).toBeUndefined();
    });

    it('leaks no secret and removes the kubeconfig in the post step', () => {
      expect(findLeaks(first, [...Object.values(seedSecrets)])).toEqual([]);
      expect(first.post?.stdout).toMatch(/Removed .*kubeconfig/);
      expect(existsSync(join(first.runnerTemp, 'harbor-tke-action', 'registry', 'kubeconfig'))).toBe(false);
      expect(existsSync(join(first.runnerTemp, 'harbor-tke-action', 'registry', 'values.yaml'))).toBe(false);
    });

    it('re-deploys unchanged inputs as "in sync": no new revision, pod templates and generated Secrets unchanged', async () => {
      const templates = podTemplates(sim);
      const tokenSecret = JSON.stringify(sim.get('v1', 'Secret', 'registry', 'registry-harbor-tke-token')!.data);
      const again = await deployAction(deployInputs(kubeconfig, { 'helm-version': helmVersion }));
      expect(again.exitCode).toBe(0);
      expect(again.outputs).toMatchObject({ revision: '1', 'in-sync': 'true' });
      expect(podTemplates(sim)).toBe(templates);
      expect(JSON.stringify(sim.get('v1', 'Secret', 'registry', 'registry-harbor-tke-token')!.data)).toBe(tokenSecret);
    });

    it('with force-upgrade, upgrades anyway and still changes no pod template or generated Secret', async () => {
      const templates = podTemplates(sim);
      const forced = await deployAction(deployInputs(kubeconfig, { 'helm-version': helmVersion, 'force-upgrade': 'true' }));
      expect(forced.exitCode).toBe(0);
      expect(forced.outputs).toMatchObject({ revision: '2', 'in-sync': 'false' });
      expect(podTemplates(sim)).toBe(templates);
      expect(forced.stdout).toContain('✓ core unchanged and ready');
      expect(forced.stdout).toContain('Secrets: 0 created, 0 updated from inputs, 11 kept');
    });

    it('rolls a changed input out', async () => {
      const changed = await deployAction(deployInputs(kubeconfig, { 'helm-version': helmVersion, replicas: '2' }));
      expect(changed.exitCode).toBe(0);
      expect((deployment(sim, 'core').spec as { replicas: number }).replicas).toBe(2);
      expect(changed.stdout).toMatch(/✓ core ready after/);
    });

    it('names the failing component, its reason and a log hint, and rolls back', async () => {
      const failing = await deployAction(
        deployInputs(kubeconfig, {
          'helm-version': helmVersion,
          timeout: '6s',
          set: `core.podAnnotations.${FAULT_ANNOTATION.replace(/\./g, '\\.')}=CrashLoopBackOff\ncore.podAnnotations.${CRASH_LOG_ANNOTATION.replace(/\./g, '\\.')}=FATAL: password authentication failed for user "postgres"`,
        }),
      );
      expect(failing.exitCode).toBe(1);
      const error = failing.stdout.split('\n').find((line) => line.startsWith('::error::'))!.replace(/%0A/g, '\n');
      expect(error).toMatch(/- core: .*CrashLoopBackOff/);
      expect(error).toContain('Hint: PostgreSQL refused the password: check database-password and database-username.');
      expect(error).toMatch(/rolled back/);
      expect(failing.summary).toContain('Why Harbor is not ready');
      expect(failing.summary).toContain('password authentication failed');
      // The job log has the same evidence, collapsed per component.
      const group = failing.stdout.slice(failing.stdout.indexOf('::group::Why core is not ready'));
      expect(group.slice(0, group.indexOf('::endgroup::'))).toMatch(/pod registry-harbor-core-\S+( \(deleted since\))? \[Running\]: core: CrashLoopBackOff[\s\S]*password authentication failed[\s\S]*hint: PostgreSQL refused the password/);
      const annotations = (deployment(sim, 'core').spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations ?? {};
      expect(annotations[FAULT_ANNOTATION]).toBeUndefined();
    });

    it('names a component whose image cannot be pulled, with the pull error and the mirror hint, and rolls back', async () => {
      const failing = await deployAction(
        // A mirror that lacks the image: what an unreachable Docker Hub looks like from the nodes.
        deployInputs(kubeconfig, { 'helm-version': helmVersion, timeout: '6s', set: 'registry.registry.image.repository=mirror.example/goharbor/fault-imagepullbackoff' }),
      );
      expect(failing.exitCode).toBe(1);
      const error = failing.stdout.split('\n').find((line) => line.startsWith('::error::'))!.replace(/%0A/g, '\n');
      expect(error).toMatch(/- registry: .*registry: (ErrImagePull|ImagePullBackOff)/);
      expect(error).toContain('Hint: An image cannot be pulled');
      expect(error).toMatch(/rolled back/);
      expect(failing.summary).toContain('Why Harbor is not ready');
      expect(JSON.stringify((deployment(sim, 'registry').spec as { template: unknown }).template)).not.toContain('fault-imagepullbackoff');
    });
  });
}

describe('deploy failures before anything is written', () => {
  it('refuses invalid inputs with zero requests to the cluster', async () => {
    const { sim, kubeconfig } = await cluster();
    const run = await deployAction(deployInputs(kubeconfig, { 'cos-region': 'ap-chegndu', replicas: 'two' }));
    expect(run.exitCode).toBe(1);
    expect(sim.journal).toEqual([]);
  });

  it('names a missing permission and writes nothing', async () => {
    const { sim, kubeconfig } = await cluster({ deniedAccess: [{ verb: 'create', resource: 'persistentvolumes' }] });
    const run = await deployAction(deployInputs(kubeconfig));
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::the kubeconfig's user lacks a permission deploy needs; nothing was changed:%0A {2}- create persistentvolumes \(cluster-wide\): for the CFS PersistentVolumes \(cfs-server\)/);
    expect(sim.writes()).toEqual([]);
  });

  it("uses the runner's KUBECONFIG files merged as kubectl merges them, masking their token", async () => {
    const token = 'runner-kubeconfig-token-0b7d2c9e41f6';
    const { sim } = await cluster({ tls: true, token, deniedAccess: [{ verb: 'create', resource: 'persistentvolumes' }] });
    const directory = mkdtempSync(join(tmpdir(), 'runner-kubeconfig-'));
    // An earlier step's file without a current context, then the cluster's: kubectl merges both.
    const other = join(directory, 'other');
    writeFileSync(other, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    const clusterFile = sim.writeKubeconfig(directory, { fileName: 'cluster' });
    const run = await runBundle(deployInputs(''), { toolCache: environment.toolCache, post: true, env: { KUBECONFIG: `${other}:${clusterFile}` } });
    expect(run.exitCode).toBe(1);
    // Reaching the permission check means the token from the second file was sent.
    expect(run.stdout).toMatch(/::error::the kubeconfig's user lacks a permission deploy needs; nothing was changed:%0A {2}- create persistentvolumes/);
    expect(run.stdout).toContain(`::add-mask::${token}`);
    expect(findLeaks(run, [token])).toEqual([]);
    expect(existsSync(join(run.runnerTemp, 'harbor-tke-action', 'registry', 'kubeconfig'))).toBe(false);
    expect(sim.writes()).toEqual([]);
  });

  it('says when the API server cannot be reached', async () => {
    const { sim, kubeconfig } = await cluster();
    await sim.close();
    const run = await deployAction(deployInputs(kubeconfig));
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::cannot reach the Kubernetes API server \(the connection to the server 127\.0\.0\.1:\d+ was refused\): check kubeconfig/);
  });
});

describe('a release left pending by a run that has ended', () => {
  it('stops with the cause and the fix (stuck-release: fail), and rolls back with stuck-release: rollback', async () => {
    const { sim, kubeconfig } = await cluster();
    expect((await deployAction(deployInputs(kubeconfig))).exitCode).toBe(0);
    expect((await deployAction(deployInputs(kubeconfig, { replicas: '2' }))).exitCode).toBe(0);
    markLatestRevisionPending(sim, 'pending-upgrade');
    const writesBefore = writesBesidesTheLock(sim).length;

    const stopped = await deployAction(deployInputs(kubeconfig));
    expect(stopped.exitCode).toBe(1);
    expect(stopped.stdout).toMatch(/::error::release registry is stuck in pending-upgrade \(revision 2\).*Re-run with stuck-release: rollback to return to revision 1/);
    expect(stopped.stdout).toContain('no run holds it: the last run of this action that held it');
    expect(writesBesidesTheLock(sim).length).toBe(writesBefore);

    const rolledBack = await deployAction(deployInputs(kubeconfig, { 'stuck-release': 'rollback' }));
    expect(rolledBack.exitCode).toBe(0);
    expect(rolledBack.stdout).toContain('Rolling back to revision 1 (stuck-release: rollback)');
    expect(rolledBack.outputs).toMatchObject({ revision: '4', status: 'deployed' });
  });
});

describe('deploy with the COS preflight on real S3 and the smoke test on a real registry', () => {
  let stack: S3RegistryStack;
  let storageInputs: Record<string, string>;
  beforeAll(async () => {
    stack = await startS3RegistryStack({ auth: 'token', username: 'admin', password: seedSecrets['admin-password'] });
    storageInputs = { ...inputsOnRegistryStack(stack), 'storage-preflight': 'true', 'smoke-test': 'true' };
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('checks the bucket, deploys, then pushes and reads back an image, retrying a commit answered 500', async () => {
    const { kubeconfig } = await cluster();
    stack.front.addFault({ target: 'layer-commit', status: 500, times: 1 });
    const run = await deployAction(deployInputs(kubeconfig, storageInputs));
    expect(run.exitCode).toBe(0);
    expect(Number(run.outputs['cos-list-lag-ms'])).toBeGreaterThanOrEqual(0);
    expect(run.outputs['smoke-test-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Number(run.outputs['smoke-test-attempts'])).toBeGreaterThan(1);
    expect(run.summary).toContain('### Smoke test');
    expect(findLeaks(run, [...Object.values(seedSecrets), stack.ceph.secretKey])).toEqual([]);
  });

  it('stops at a wrong COS key before sending the cluster a single request', async () => {
    const { sim, kubeconfig } = await cluster();
    const run = await deployAction(deployInputs(kubeconfig, { ...storageInputs, 'cos-secret-key': 'not-the-key-0123456789' }));
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::COS preflight failed at "head bucket": .*Fix: .*cos-secret-key/);
    expect(sim.journal).toEqual([]);
  });
});

describe('a kubeconfig the API client leaves to kubectl (an exec credential plugin)', () => {
  it('deploys, diffs and re-deploys in sync with every read through kubectl and helm', async () => {
    const token = 'exec-plugin-token-0123456789';
    const { sim } = await cluster({ tls: true, token });
    const home = mkdtempSync(join(tmpdir(), 'exec-plugin-'));
    const plugin = join(home, 'credential-plugin');
    writeFileSync(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`, { mode: 0o755 });
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: sim, cluster: {server: "${sim.url}", insecure-skip-tls-verify: true}}]`,
      `users: [{name: plugin, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "${plugin}", interactiveMode: Never}}}]`,
      'contexts: [{name: sim, context: {cluster: sim, user: plugin}}]',
      'current-context: sim',
      '',
    ].join('\n');
    const first = await deployAction(deployInputs(kubeconfig));
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('Reads go through kubectl: its user authenticates with an exec plugin or auth provider');
    expect(first.stdout).not.toMatch(/Read \d+ object\(s\) from the API server/);
    // The hold on the release through kubectl too: created, then released.
    expect(first.stdout).toMatch(/\$ kubectl --kubeconfig \S+ create -f - -o json/);
    expect(first.stdout).toContain('Released release registry (Lease registry/harbor-tke-action.registry)');
    expect((sim.get('coordination.k8s.io/v1', 'Lease', 'registry', 'harbor-tke-action.registry')?.spec as { holderIdentity?: string }).holderIdentity).toBe('');
    const diff = await deployAction(deployInputs(kubeconfig, { mode: 'diff' }));
    expect(diff.outputs.drifted).toBe('false');
    const again = await deployAction(deployInputs(kubeconfig));
    expect(again.outputs).toMatchObject({ 'in-sync': 'true', revision: '1' });
  });
});
