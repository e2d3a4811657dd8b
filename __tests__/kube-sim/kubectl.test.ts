/** kubectl 1.34 against kube-sim: apply, diff, rollout, wait, auth, events, logs and failure states. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realBinaries } from '../support/binaries.js';
import { CRASH_LOG_ANNOTATION, FAULT_ANNOTATION, startKubeSim, type KubeSim } from '../support/kube-sim/index.js';
import { join } from 'node:path';
import { CHART, clientsFor, waitFor, type Clients } from './harness.js';
import { writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createClusterCa } from '../support/tencentcloud-api/cluster-ca.js';

const MANY_KINDS = join(CHART, '..', 'many-kinds.yaml');

const NS = 'apps';

function deployment(
  name: string,
  image: string,
  options: { deadline?: number; podAnnotations?: Record<string, string>; annotations?: Record<string, string>; labels?: Record<string, string> } = {},
): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { app: name, ...options.labels }, ...(options.annotations ? { annotations: options.annotations } : {}) },
    spec: {
      replicas: 1,
      ...(options.deadline ? { progressDeadlineSeconds: options.deadline } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(options.podAnnotations ? { annotations: options.podAnnotations } : {}) },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  });
}

describe('kubectl against kube-sim', () => {
  let sim: KubeSim;
  let clients: Clients;
  let kubectlBinary: string;
  const kubectl = (args: string[], input?: string) => clients.run(kubectlBinary, args, { input });

  beforeAll(async () => {
    kubectlBinary = realBinaries().kubectl;
    sim = await startKubeSim({ podReadyDelayMs: 150, deniedAccess: [{ verb: 'delete', resource: 'namespaces' }] });
    clients = clientsFor(sim, { namespace: NS });
    const created = await kubectl(['create', 'namespace', NS]);
    expect(created.code).toBe(0);
  });

  afterAll(async () => {
    clients?.cleanup();
    await sim?.close();
  });

  it('creates with a client-side apply, then reports unchanged without writing', async () => {
    const manifest = `${deployment('web', 'registry.example/web:1')}\n---\n${JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } })}`;
    const first = await kubectl(['apply', '-f', '-'], manifest);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('deployment.apps/web created');
    expect(first.stdout).toContain('service/web created');
    expect(sim.journal.some((e) => e.method === 'POST' && e.query.fieldManager === 'kubectl-client-side-apply' && e.query.fieldValidation === 'Strict')).toBe(true);
    const writes = sim.writes().filter((e) => e.userAgent?.startsWith('kubectl')).length;
    const again = await kubectl(['apply', '-f', '-'], manifest);
    expect(again.stdout).toContain('deployment.apps/web unchanged');
    expect(sim.writes().filter((e) => e.userAgent?.startsWith('kubectl')).length).toBe(writes);
  });

  it('waits for the rollout: rollout status and wait --for=condition=Available', async () => {
    const rollout = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    expect(rollout.code).toBe(0);
    expect(rollout.stdout).toContain('deployment "web" successfully rolled out');
    const wait = await kubectl(['wait', '--for=condition=Available', 'deployment/web', '--timeout=30s']);
    expect(wait.code).toBe(0);
    expect(wait.stdout).toContain('deployment.apps/web condition met');
  });

  it('diffs: exit 0 when in sync, exit 1 with the change, no writes; 0 again after apply', async () => {
    const writes = sim.writes().length;
    const same = await kubectl(['diff', '-f', '-'], deployment('web', 'registry.example/web:1'));
    expect(same.code).toBe(0);
    expect(same.stdout).toBe('');
    const changed = await kubectl(['diff', '-f', '-'], deployment('web', 'registry.example/web:2'));
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('+      - image: registry.example/web:2');
    expect(changed.stdout).toContain('-      - image: registry.example/web:1');
    expect(sim.journal.some((e) => e.method === 'PATCH' && e.dryRun)).toBe(true);
    expect(sim.writes().length).toBe(writes);
    const applied = await kubectl(['apply', '-f', '-'], deployment('web', 'registry.example/web:2'));
    expect(applied.stdout).toContain('deployment.apps/web configured');
    const after = await kubectl(['diff', '-f', '-'], deployment('web', 'registry.example/web:2'));
    expect(after.code).toBe(0);
    const rollout = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    expect(rollout.stdout).toContain('successfully rolled out');
    expect(sim.get('apps/v1', 'Deployment', NS, 'web')?.status.replicas).toBe(1);
  });

  it('scales through the scale subresource and undoes a rollout onto the previous ReplicaSet', async () => {
    const scaled = await kubectl(['scale', 'deployment/web', '--replicas=2']);
    expect(scaled.code).toBe(0);
    expect(scaled.stdout).toContain('deployment.apps/web scaled');
    expect((await kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s'])).code).toBe(0);
    expect(sim.list('v1', 'Pod', NS).filter((p) => p.metadata.labels?.app === 'web')).toHaveLength(2);
    const replicaSets = sim.list('apps/v1', 'ReplicaSet', NS).filter((rs) => rs.metadata.labels?.app === 'web');
    const first = replicaSets.find((rs) => rs.spec.template.spec.containers[0].image === 'registry.example/web:1')!;
    const undo = await kubectl(['rollout', 'undo', 'deployment/web']);
    expect(undo.stdout).toContain('deployment.apps/web rolled back');
    expect((await kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s'])).code).toBe(0);
    const reused = sim.get('apps/v1', 'ReplicaSet', NS, first.metadata.name!)!;
    expect(reused.metadata.uid).toBe(first.metadata.uid);
    expect(reused.status.readyReplicas).toBe(2);
    const history = await kubectl(['rollout', 'history', 'deployment/web']);
    expect(history.stdout).toMatch(/^2\s+<none>\n3\s+<none>/m);
  });

  it('defaults every kind of a Harbor-like manifest so diff is quiet after apply, and shows drift made by someone else', async () => {
    expect((await kubectl(['create', 'namespace', 'kinds'])).code).toBe(0);
    const applied = await kubectl(['apply', '-f', MANY_KINDS]);
    expect(applied.code).toBe(0);
    expect(applied.stdout.trim().split('\n')).toHaveLength(15);
    const quiet = await kubectl(['diff', '-f', MANY_KINDS]);
    expect(quiet.stdout).toBe('');
    expect(quiet.code).toBe(0);
    expect((await kubectl(['apply', '--server-side', '--force-conflicts', '-f', MANY_KINDS])).code).toBe(0);
    const quietServerSide = await kubectl(['diff', '--server-side', '--force-conflicts', '-f', MANY_KINDS]);
    expect(quietServerSide.stdout).toBe('');
    expect(quietServerSide.code).toBe(0);

    const live = sim.get('v1', 'ConfigMap', 'kinds', 'core')!;
    sim.put({ ...live, data: { 'config.yml': 'a: 2\n' } });
    const drift = await kubectl(['diff', '-f', MANY_KINDS]);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain('v1.ConfigMap.kinds.core');
    expect(drift.stdout).toContain('-    a: 2\n+    a: 1');
    expect(drift.stdout).not.toContain('generation');
  });

  it('server-side applies, dropping the fields its manager stopped applying', async () => {
    const first = await kubectl(['apply', '--server-side', '--field-manager=ops', '-f', '-'], deployment('api', 'registry.example/api:1', { labels: { tier: 'backend' } }));
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('deployment.apps/api serverside-applied');
    expect(sim.get('apps/v1', 'Deployment', NS, 'api')?.metadata.labels?.tier).toBe('backend');
    const second = await kubectl(['apply', '--server-side', '--field-manager=ops', '-f', '-'], deployment('api', 'registry.example/api:1'));
    expect(second.code).toBe(0);
    expect(sim.get('apps/v1', 'Deployment', NS, 'api')?.metadata.labels).toEqual({ app: 'api' });
    const diff = await kubectl(['diff', '--server-side', '--field-manager=ops', '-f', '-'], deployment('api', 'registry.example/api:1'));
    expect(diff.code).toBe(0);
    const changed = await kubectl(['diff', '--server-side', '--field-manager=ops', '-f', '-'], deployment('api', 'registry.example/api:9'));
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('registry.example/api:9');
  });

  it('answers auth can-i from access reviews, with one Ready node in the cluster', async () => {
    const nodes = await kubectl(['get', 'nodes']);
    expect(nodes.stdout).toMatch(/^kube-sim-node\s+Ready/m);
    const yes = await kubectl(['auth', 'can-i', 'create', 'deployments']);
    expect(yes.code).toBe(0);
    expect(yes.stdout.trim()).toBe('yes');
    const no = await kubectl(['auth', 'can-i', 'delete', 'namespaces']);
    expect(no.code).toBe(1);
    expect(no.stdout.trim()).toBe('no');
    expect(sim.journal.some((e) => e.path.endsWith('/selfsubjectaccessreviews') && e.contentType?.includes('protobuf') && e.status === 201)).toBe(true);
  });

  it('lists events and serves container logs', async () => {
    const events = await kubectl(['get', 'events', '-o', 'json']);
    const items = (JSON.parse(events.stdout) as { items: { reason: string; involvedObject: { kind: string } }[] }).items;
    expect(items.some((e) => e.reason === 'ScalingReplicaSet' && e.involvedObject.kind === 'Deployment')).toBe(true);
    expect(items.some((e) => e.reason === 'Started' && e.involvedObject.kind === 'Pod')).toBe(true);
    const table = await kubectl(['get', 'events']);
    expect(table.stdout).toMatch(/Normal\s+ScalingReplicaSet\s+deployment\/web/);
    const logs = await kubectl(['logs', 'deployment/web']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('app started (kube-sim)');
  });

  it('shows the injected failure states as kubectl reports them', async () => {
    const manifest = [
      deployment('pull', 'registry.example/fault-imagepullbackoff:1'),
      deployment('crash', 'registry.example/crash:1', { deadline: 2, podAnnotations: { [FAULT_ANNOTATION]: 'CrashLoopBackOff', [CRASH_LOG_ANNOTATION]: 'booting\nerror: database "registry" does not exist\n' } }),
      deployment('unsched', 'registry.example/unsched:1', { annotations: { [FAULT_ANNOTATION]: 'Unschedulable' } }),
    ].join('\n---\n');
    expect((await kubectl(['apply', '-f', '-'], manifest)).code).toBe(0);
    const statusOf = (output: string, prefix: string) => new RegExp(`^${prefix}-\\S+\\s+\\S+\\s+(\\S+)`, 'm').exec(output)?.[1];
    const pods = await waitFor(async () => {
      const out = (await kubectl(['get', 'pods'])).stdout;
      return statusOf(out, 'pull') === 'ImagePullBackOff' && statusOf(out, 'crash') === 'CrashLoopBackOff' ? out : undefined;
    }, 'ImagePullBackOff and CrashLoopBackOff in kubectl get pods');
    expect(statusOf(pods, 'unsched')).toBe('Pending');

    const crashLog = await kubectl(['logs', 'deployment/crash', '--tail=1']);
    expect(crashLog.stdout).toBe('error: database "registry" does not exist\n');
    const pullLog = await kubectl(['logs', 'deployment/pull']);
    expect(pullLog.code).toBe(1);
    expect(pullLog.stderr).toContain('is waiting to start: trying and failing to pull image');

    const scheduling = await kubectl(['get', 'events', '--field-selector', 'reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}']);
    expect(scheduling.stdout).toContain('0/1 nodes are available');
    const pullEvents = await kubectl(['get', 'events', '--field-selector', 'type=Warning,reason=Failed', '-o', 'jsonpath={.items[*].message}']);
    expect(pullEvents.stdout).toContain('Failed to pull image "registry.example/fault-imagepullbackoff:1"');

    const rollout = await kubectl(['rollout', 'status', 'deployment/crash', '--timeout=30s']);
    expect(rollout.code).toBe(1);
    expect(rollout.stderr).toContain('deployment "crash" exceeded its progress deadline');
  });

  it('binds PVCs, keeps them Pending without their volume, and holds their pods Pending', async () => {
    const claim = (name: string, extra: object = {}, annotations?: Record<string, string>) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, ...extra } });
    const pod = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'uses-missing', namespace: NS },
      spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'no-volume' } }] },
    });
    const manifest = [claim('bound'), claim('no-volume', { volumeName: 'pv-that-does-not-exist' }), claim('no-provisioner', {}, { [FAULT_ANNOTATION]: 'PVCPending' }), pod].join('\n---\n');
    expect((await kubectl(['apply', '-f', '-'], manifest)).code).toBe(0);
    const wait = await kubectl(['wait', '--for=jsonpath={.status.phase}=Bound', 'pvc/bound', '--timeout=30s']);
    expect(wait.code).toBe(0);
    const claims = await kubectl(['get', 'pvc']);
    expect(claims.stdout).toMatch(/^bound\s+Bound\s+pvc-\S+\s+5Gi\s+RWO/m);
    expect(claims.stdout).toMatch(/^no-volume\s+Pending/m);
    expect(claims.stdout).toMatch(/^no-provisioner\s+Pending/m);
    const provisioning = await waitFor(async () => {
      const out = (await kubectl(['get', 'events', '--field-selector', 'reason=ProvisioningFailed', '-o', 'jsonpath={.items[*].involvedObject.name}'])).stdout;
      return out.includes('no-provisioner') ? out : undefined;
    }, 'a ProvisioningFailed event');
    expect(provisioning).toContain('no-provisioner');
    const podStatus = await kubectl(['get', 'pod', 'uses-missing', '-o', 'jsonpath={.status.phase} {.status.conditions[0].reason}']);
    expect(podStatus.stdout).toBe('Pending Unschedulable');
  });

  it('serves the CRD kinds registered at start and refuses an object whose CRD comes in the same apply', async () => {
    const crds = await kubectl(['get', 'crd', '-o', 'name']);
    expect(crds.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/virtualservices.networking.istio.io');
    expect(crds.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io');
    const vs = (hosts: string[]) => JSON.stringify({ apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'web', namespace: NS }, spec: { hosts, http: [{ route: [{ destination: { host: 'web' } }] }] } });
    expect((await kubectl(['apply', '-f', '-'], vs(['a.example']))).stdout).toContain('virtualservice.networking.istio.io/web created');
    const updated = await kubectl(['apply', '-f', '-'], vs(['b.example']));
    expect(updated.stdout).toContain('virtualservice.networking.istio.io/web configured');
    expect(sim.journal.some((e) => e.method === 'PATCH' && e.path.includes('/virtualservices/') && e.contentType === 'application/merge-patch+json')).toBe(true);
    expect(sim.get('networking.istio.io/v1beta1', 'VirtualService', NS, 'web')?.spec.hosts).toEqual(['b.example']);
    const route = JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: NS }, spec: { hostnames: ['a.example'] } });
    expect((await kubectl(['apply', '--server-side', '-f', '-'], route)).stdout).toContain('httproute.gateway.networking.k8s.io/web serverside-applied');

    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        scope: 'Namespaced',
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    const widget = JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: NS }, spec: { size: 1 } });
    const together = await kubectl(['apply', '-f', '-'], `${JSON.stringify(crd)}\n---\n${widget}`);
    expect(together.code).toBe(1);
    expect(together.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created');
    expect(sim.list('example.com/v1', 'Widget', NS)).toEqual([]);
    const after = await kubectl(['apply', '-f', '-'], widget);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('widget.example.com/w created');
  });

  it('rolls out a StatefulSet with its claims and a DaemonSet, and runs Jobs to Complete or Failed', async () => {
    const statefulSet = (image: string) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db', namespace: NS },
        spec: {
          replicas: 2,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } },
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
        },
      });
    expect((await kubectl(['apply', '-f', '-'], statefulSet('registry.example/db:1'))).code).toBe(0);
    const first = await kubectl(['rollout', 'status', 'statefulset/db', '--timeout=30s']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('partitioned roll out complete: 2 new pods have been updated...');
    expect(sim.list('v1', 'PersistentVolumeClaim', NS).filter((c) => c.metadata.name!.startsWith('data-db-')).map((c) => c.status.phase)).toEqual(['Bound', 'Bound']);
    expect((await kubectl(['apply', '-f', '-'], statefulSet('registry.example/db:2'))).code).toBe(0);
    const second = await kubectl(['rollout', 'status', 'statefulset/db', '--timeout=30s']);
    expect(second.code).toBe(0);
    const sts = sim.get('apps/v1', 'StatefulSet', NS, 'db')!;
    expect(sts.status.currentRevision).toBe(sts.status.updateRevision);
    expect(sim.list('v1', 'Pod', NS).filter((p) => p.metadata.name!.startsWith('db-')).map((p) => p.spec.containers[0].image)).toEqual(['registry.example/db:2', 'registry.example/db:2']);

    const daemonSet = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: NS },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'registry.example/agent:1' }] } } },
    });
    expect((await kubectl(['apply', '-f', '-'], daemonSet)).code).toBe(0);
    const daemonRollout = await kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=30s']);
    expect(daemonRollout.stdout).toContain('daemon set "agent" successfully rolled out');

    const job = (name: string, image: string) =>
      JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: NS }, spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image }] } } } });
    expect((await kubectl(['apply', '-f', '-'], `${job('migrate', 'registry.example/migrate:1')}\n---\n${job('broken', 'registry.example/fault-crashloopbackoff:1')}`)).code).toBe(0);
    const complete = await kubectl(['wait', '--for=condition=complete', 'job/migrate', '--timeout=30s']);
    expect(complete.stdout).toContain('job.batch/migrate condition met');
    const jobLog = await kubectl(['logs', 'job/migrate']);
    expect(jobLog.stdout).toContain('run started (kube-sim)');
    expect((await kubectl(['get', 'job', 'migrate'])).stdout).toMatch(/^migrate\s+Complete\s+1\/1/m);
    const failed = await kubectl(['wait', '--for=condition=failed', 'job/broken', '--timeout=30s']);
    expect(failed.stdout).toContain('job.batch/broken condition met');
    expect(sim.get('batch/v1', 'Job', NS, 'broken')?.status.failed).toBe(2);
  });

  it('writes nothing for a server dry run or for a manifest the API rejects', async () => {
    const writes = sim.writes().length;
    const dryRun = await kubectl(['apply', '--dry-run=server', '-f', '-'], deployment('dry', 'registry.example/dry:1'));
    expect(dryRun.stdout).toContain('deployment.apps/dry created (server dry run)');
    const unknownKind = await kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'example.invalid/v1', kind: 'Nope', metadata: { name: 'x', namespace: NS } }));
    expect(unknownKind.code).toBe(1);
    const wrongNamespace = await kubectl(['apply', '-f', '-'], deployment('elsewhere', 'x:1').replace(`"namespace":"${NS}"`, '"namespace":"missing"'));
    expect(wrongNamespace.code).toBe(1);
    expect(wrongNamespace.stderr).toContain('namespaces "missing" not found');
    const badName = await kubectl(['apply', '-f', '-'], deployment('Bad_Name', 'x:1'));
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain('The Deployment "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"');
    expect(sim.writes().length).toBe(writes);
    expect(sim.get('apps/v1', 'Deployment', NS, 'dry')).toBeUndefined();
  });

  it('fails and recovers with injected API faults', async () => {
    sim.injectRequestFault({ method: 'GET', path: /\/apis\/apps\/v1\/namespaces\/apps\/deployments\?/, status: 500, times: 1 });
    const failed = await kubectl(['get', 'deployments']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('Internal error occurred');
    sim.injectRequestFault({ method: 'GET', path: /\/deployments\?/, delayMs: 400, times: 1 });
    const slow = await kubectl(['get', 'deployments', '-o', 'name']);
    expect(slow.code).toBe(0);
    expect(slow.stdout).toContain('deployment.apps/web');
  });

  it('deletes a namespace through Terminating, with its content', async () => {
    const deleted = await kubectl(['delete', 'namespace', NS, '--wait=true', '--timeout=30s']);
    expect(deleted.code).toBe(0);
    expect(sim.get('v1', 'Namespace', undefined, NS)).toBeUndefined();
    expect(sim.list('apps/v1', 'Deployment', NS)).toEqual([]);
    expect(sim.list('v1', 'Pod', NS)).toEqual([]);
  });
});

describe('kubectl and helm over HTTPS with a bearer token', () => {
  it('accepts the right token, answers 401 to a wrong one, and can be verified with its certificate', async () => {
    const sim = await startKubeSim({ tls: true, token: 'sim-token-1' });
    const clients = clientsFor(sim);
    try {
      expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ok = await clients.run(realBinaries().kubectl, ['get', 'namespaces', '-o', 'name']);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('namespace/default');
      const wrong = await clients.run(realBinaries().kubectl, ['get', 'namespaces', '--token', 'wrong-token']);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
      expect(sim.journal.filter((e) => e.status === 401)).not.toHaveLength(0);

      const verifying = sim.writeKubeconfig(clients.home, { verifyTls: true, fileName: 'verifying' });
      const trusted = await clients.run(realBinaries().kubectl, ['--kubeconfig', verifying, 'get', 'namespace', 'default', '-o', 'name']);
      expect(trusted.stderr).toBe('');
      expect(trusted.stdout).toBe('namespace/default\n');
      for (const helm of [realBinaries().helm3, realBinaries().helm4]) {
        const list = await clients.run(helm, ['list', '--all-namespaces', '--kubeconfig', verifying]);
        expect(list.code).toBe(0);
        expect(list.stdout).toMatch(/^NAME\s+NAMESPACE/);
      }
    } finally {
      clients.cleanup();
      await sim.close();
    }
  });
});

describe('kubectl over HTTPS with a client certificate', () => {
  it('accepts a certificate of the client CA, answers 401 without one or with one of another CA', async () => {
    const clusterCa = createClusterCa('kube-sim-client-ca');
    const sim = await startKubeSim({ tls: true, clientCaPem: clusterCa.certPem });
    const clients = clientsFor(sim);
    try {
      const files = (name: string, credential: { certPem: string; keyPem: string }) => {
        writeFileSync(join(clients.home, `${name}.crt`), credential.certPem);
        writeFileSync(join(clients.home, `${name}.key`), credential.keyPem, { mode: 0o600 });
        return ['--client-certificate', join(clients.home, `${name}.crt`), '--client-key', join(clients.home, `${name}.key`)];
      };
      const user = files('user', clusterCa.clientCredential('100000000001'));
      const ok = await clients.run(realBinaries().kubectl, [...user, 'get', 'namespaces', '-o', 'name']);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toContain('namespace/default');

      // Without any credential (kubectl would prompt for a user name before asking): 401.
      const status = await new Promise<number | undefined>((resolve, reject) => {
        httpsGet(`${sim.url}/api`, { rejectUnauthorized: false }, (response) => resolve(response.resume().statusCode)).on('error', reject);
      });
      expect(status).toBe(401);
      const stranger = files('stranger', createClusterCa('another-cluster').clientCredential('100000000001'));
      const foreign = await clients.run(realBinaries().kubectl, [...stranger, 'get', 'namespaces']);
      expect(foreign.code).toBe(1);
      expect(foreign.stderr).toContain('error: You must be logged in to the server');
    } finally {
      clients.cleanup();
      await sim.close();
    }
  });
});
