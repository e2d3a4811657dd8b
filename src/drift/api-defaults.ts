import { POD_SPEC_AT, startsWith } from './merge-keys.js';

/**
 * What the API server stores for a field a manifest leaves out, so that a chart that starts or
 * stops spelling out such a value (1.19 writes `timeoutSeconds: 1` on every probe, 1.18 did not)
 * changes nothing on the cluster. From kubernetes/kubernetes pkg/apis/core/v1/defaults.go
 * (SetDefaults_Container, _Probe, _HTTPGetAction, _PodSpec, _Service, _SecretVolumeSource,
 * _ConfigMapVolumeSource, _ProjectedVolumeSource, _DownwardAPIVolumeSource, _PersistentVolume,
 * _PersistentVolumeClaimSpec, _Secret) and pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment,
 * _StatefulSet, _DaemonSet), the defaults the Harbor charts meet; not every default there is.
 */
type Default = string | number | boolean;

const PROBE_DEFAULTS: Record<string, Default> = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };
const PROBES = new Set(['livenessProbe', 'readinessProbe', 'startupProbe']);
const CONTAINERS = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const MODE_VOLUMES = new Set(['secret', 'configMap', 'projected', 'downwardAPI']);

const POD_SPEC_DEFAULTS: Record<string, Default> = { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler' };

/** Defaults of the object itself, outside its pod template: dotted field path → value. */
const OBJECT_DEFAULTS: Record<string, Record<string, Default>> = {
  Deployment: {
    'spec.replicas': 1,
    'spec.revisionHistoryLimit': 10,
    'spec.progressDeadlineSeconds': 600,
    'spec.strategy.type': 'RollingUpdate',
    'spec.strategy.rollingUpdate.maxUnavailable': '25%',
    'spec.strategy.rollingUpdate.maxSurge': '25%',
  },
  StatefulSet: { 'spec.replicas': 1, 'spec.revisionHistoryLimit': 10, 'spec.podManagementPolicy': 'OrderedReady', 'spec.updateStrategy.type': 'RollingUpdate' },
  DaemonSet: { 'spec.revisionHistoryLimit': 10, 'spec.updateStrategy.type': 'RollingUpdate' },
  Service: { 'spec.type': 'ClusterIP', 'spec.sessionAffinity': 'None', 'spec.ports.protocol': 'TCP', 'spec.internalTrafficPolicy': 'Cluster' },
  Secret: { type: 'Opaque' },
  PersistentVolume: { 'spec.persistentVolumeReclaimPolicy': 'Retain', 'spec.volumeMode': 'Filesystem' },
  PersistentVolumeClaim: { 'spec.volumeMode': 'Filesystem' },
};

/** The default of a field inside a pod spec (fields relative to the pod spec, list positions left out). */
function podSpecDefault(fields: readonly string[]): Default | undefined {
  if (fields.length === 1) return POD_SPEC_DEFAULTS[fields[0]!];
  if (CONTAINERS.has(fields[0]!)) {
    const rest = fields.slice(1);
    if (rest.length === 1 && rest[0] === 'terminationMessagePath') return '/dev/termination-log';
    if (rest.length === 1 && rest[0] === 'terminationMessagePolicy') return 'File';
    if (rest.length === 2 && rest[0] === 'ports' && rest[1] === 'protocol') return 'TCP';
    if (rest.length === 2 && PROBES.has(rest[0]!)) return PROBE_DEFAULTS[rest[1]!];
    if (rest.length === 3 && PROBES.has(rest[0]!) && rest[1] === 'httpGet' && rest[2] === 'scheme') return 'HTTP';
    return undefined;
  }
  if (fields.length === 3 && fields[0] === 'volumes' && MODE_VOLUMES.has(fields[1]!) && fields[2] === 'defaultMode') return 420;
  return undefined;
}

/** The API server's default for a field of a `kind` object (field names from the root, list positions left out). */
export function apiDefault(kind: string, fields: readonly string[]): Default | undefined {
  const podSpec = POD_SPEC_AT[kind];
  if (podSpec && fields.length > podSpec.length && startsWith(fields, podSpec)) return podSpecDefault(fields.slice(podSpec.length));
  return OBJECT_DEFAULTS[kind]?.[fields.join('.')];
}

/**
 * Fields whose zero value the API server keeps: pointers in k8s.io/api (core/v1, apps/v1, batch/v1,
 * policy/v1 types.go), where `false` or `0` means something else than "not set". Every other
 * optional field is `omitempty`, so a declared 0, false or "" is not stored.
 */
const KEEPS_ZERO = new Set([
  'privileged',
  'runAsUser',
  'runAsGroup',
  'runAsNonRoot',
  'readOnlyRootFilesystem',
  'allowPrivilegeEscalation',
  'fsGroup',
  'automountServiceAccountToken',
  'shareProcessNamespace',
  'enableServiceLinks',
  'setHostnameAsFQDN',
  'hostUsers',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'priority',
  'replicas',
  'revisionHistoryLimit',
  'progressDeadlineSeconds',
  'partition',
  'maxUnavailable',
  'maxSurge',
  'minAvailable',
  'defaultMode',
  'optional',
  'backoffLimit',
  'completions',
  'parallelism',
  'ttlSecondsAfterFinished',
  'suspend',
]);

function droppedWhenZero(fields: readonly string[], value: unknown): boolean {
  return (value === 0 || value === false || value === '' || value === null) && !KEEPS_ZERO.has(fields[fields.length - 1] ?? '');
}

/**
 * Whether declared and live differ only in how a default is written: the manifest states a value
 * the live object lacks because the API server drops it (a zero value under `omitempty`) or it is
 * the default anyway; or the manifest leaves out a field whose live value is its default.
 */
export function isDefaultOnly(kind: string | undefined, fields: readonly string[], declared: unknown, live: unknown): boolean {
  if (!kind) return false;
  const fallback = apiDefault(kind, fields);
  if (live === undefined) return droppedWhenZero(fields, declared) || (fallback !== undefined && String(declared) === String(fallback));
  if (declared === undefined) return fallback !== undefined && String(live) === String(fallback);
  return false;
}
