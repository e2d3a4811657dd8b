/**
 * Field defaulting the API server does, enough that `kubectl diff` is quiet right after an apply
 * (the dry-run answer and the live object get the same defaults). Idempotent: fills only gaps.
 */
import type { KubeObject } from './types.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function setDefault(target: Obj, key: string, value: unknown): void {
  if (target[key] === undefined) target[key] = value;
}

function defaultFieldRefs(env: Obj[] | undefined): void {
  for (const variable of env ?? []) if (variable.valueFrom?.fieldRef) setDefault(variable.valueFrom.fieldRef, 'apiVersion', 'v1');
}

function defaultContainer(container: Obj): void {
  defaultFieldRefs(container.env);
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  const tag = String(container.image ?? '').split('/').pop() ?? '';
  setDefault(container, 'imagePullPolicy', tag.includes(':') && !tag.endsWith(':latest') ? 'IfNotPresent' : 'Always');
  setDefault(container, 'resources', {});
  for (const port of container.ports ?? []) setDefault(port, 'protocol', 'TCP');
  for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
    if (!probe) continue;
    setDefault(probe, 'timeoutSeconds', 1);
    setDefault(probe, 'periodSeconds', 10);
    setDefault(probe, 'successThreshold', 1);
    setDefault(probe, 'failureThreshold', 3);
    if (probe.httpGet) setDefault(probe.httpGet, 'scheme', 'HTTP');
  }
}

export function defaultPodSpec(spec: Obj): void {
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const volume of spec.volumes ?? []) {
    if (volume.secret) setDefault(volume.secret, 'defaultMode', 420);
    if (volume.configMap) setDefault(volume.configMap, 'defaultMode', 420);
    if (volume.projected) setDefault(volume.projected, 'defaultMode', 420);
    if (volume.downwardAPI) {
      setDefault(volume.downwardAPI, 'defaultMode', 420);
      for (const item of volume.downwardAPI.items ?? []) if (item.fieldRef) setDefault(item.fieldRef, 'apiVersion', 'v1');
    }
    if (volume.hostPath) setDefault(volume.hostPath, 'type', '');
    if (volume.emptyDir === null) volume.emptyDir = {};
  }
}

function defaultPodTemplate(template: Obj | undefined): void {
  if (!template) return;
  template.metadata ??= {};
  if (template.metadata.creationTimestamp === undefined) template.metadata.creationTimestamp = null;
  template.spec ??= {};
  defaultPodSpec(template.spec);
}

const DEFAULTERS: Record<string, (object: Obj) => void> = {
  Deployment(object) {
    const spec = (object.spec ??= {});
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'progressDeadlineSeconds', 600);
    const strategy = (spec.strategy ??= {});
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') {
      strategy.rollingUpdate ??= {};
      setDefault(strategy.rollingUpdate, 'maxUnavailable', '25%');
      setDefault(strategy.rollingUpdate, 'maxSurge', '25%');
    }
    defaultPodTemplate(spec.template);
  },
  ReplicaSet(object) {
    setDefault((object.spec ??= {}), 'replicas', 1);
    defaultPodTemplate(object.spec.template);
  },
  StatefulSet(object) {
    const spec = (object.spec ??= {});
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'podManagementPolicy', 'OrderedReady');
    setDefault(spec, 'revisionHistoryLimit', 10);
    const strategy = (spec.updateStrategy ??= {});
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') setDefault(strategy, 'rollingUpdate', { partition: 0 });
    setDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
    for (const claim of spec.volumeClaimTemplates ?? []) {
      claim.apiVersion ??= 'v1';
      claim.kind ??= 'PersistentVolumeClaim';
      setDefault((claim.spec ??= {}), 'volumeMode', 'Filesystem');
      claim.status ??= { phase: 'Pending' };
    }
    defaultPodTemplate(spec.template);
  },
  DaemonSet(object) {
    const spec = (object.spec ??= {});
    setDefault(spec, 'revisionHistoryLimit', 10);
    const strategy = (spec.updateStrategy ??= {});
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') {
      strategy.rollingUpdate ??= {};
      setDefault(strategy.rollingUpdate, 'maxUnavailable', 1);
      setDefault(strategy.rollingUpdate, 'maxSurge', 0);
    }
    defaultPodTemplate(spec.template);
  },
  Job(object) {
    const spec = (object.spec ??= {});
    setDefault(spec, 'parallelism', 1);
    setDefault(spec, 'completions', 1);
    setDefault(spec, 'backoffLimit', 6);
    setDefault(spec, 'completionMode', 'NonIndexed');
    setDefault(spec, 'suspend', false);
    defaultPodTemplate(spec.template);
    if (spec.template?.spec?.restartPolicy === 'Always') spec.template.spec.restartPolicy = 'Never';
  },
  Pod(object) {
    defaultPodSpec((object.spec ??= {}));
    setDefault(object.spec, 'enableServiceLinks', true);
    setDefault(object.spec, 'preemptionPolicy', 'PreemptLowerPriority');
    setDefault(object.spec, 'priority', 0);
  },
  Service(object) {
    const spec = (object.spec ??= {});
    setDefault(spec, 'type', 'ClusterIP');
    setDefault(spec, 'sessionAffinity', 'None');
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
    for (const port of spec.ports ?? []) {
      setDefault(port, 'protocol', 'TCP');
      setDefault(port, 'targetPort', port.port);
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
    if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  },
  PersistentVolumeClaim(object) {
    setDefault((object.spec ??= {}), 'volumeMode', 'Filesystem');
  },
  PersistentVolume(object) {
    const spec = (object.spec ??= {});
    setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
    setDefault(spec, 'volumeMode', 'Filesystem');
  },
  Secret(object) {
    setDefault(object, 'type', 'Opaque');
    if (object.stringData) {
      object.data ??= {};
      for (const [key, value] of Object.entries(object.stringData as Record<string, string>)) object.data[key] = Buffer.from(value, 'utf8').toString('base64');
      delete object.stringData;
    }
  },
  Namespace(object) {
    object.metadata.labels ??= {};
    object.metadata.labels['kubernetes.io/metadata.name'] = object.metadata.name;
    setDefault((object.spec ??= {}), 'finalizers', ['kubernetes']);
  },
};

export function applyDefaults(object: KubeObject): void {
  DEFAULTERS[object.kind]?.(object);
}
