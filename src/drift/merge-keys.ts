/**
 * How the API server identifies the items of a list: the `+listType=map` / `+listMapKey` markers
 * (and `patchMergeKey` tags) of k8s.io/api core/v1 types.go, for the lists the Harbor charts and
 * this action write. A list with keys is compared item by item, matched on those keys, the way
 * server-side apply and strategic merge patch merge it; any other list is atomic and compared
 * position by position. Matching by a guessed key breaks on the real charts: 1.19's registryctl
 * mounts the volume `registry-config` twice (two subPaths), and only `mountPath` tells them apart.
 */

/** Key fields of a map-typed list, with the default the API server fills in when one is omitted. */
interface ListKeys {
  fields: string[];
  defaults?: Record<string, string>;
}

const BY_NAME: ListKeys = { fields: ['name'] };
const WITH_PROTOCOL = { protocol: 'TCP' };

/** core/v1 Container (and EphemeralContainer): Ports, Env, VolumeMounts, VolumeDevices; EnvFrom and ResizePolicy are atomic. */
const CONTAINER_LISTS: Record<string, ListKeys> = {
  ports: { fields: ['containerPort', 'protocol'], defaults: WITH_PROTOCOL },
  env: BY_NAME,
  volumeMounts: { fields: ['mountPath'] },
  volumeDevices: { fields: ['devicePath'] },
};

/** core/v1 PodSpec; Tolerations are atomic. */
const POD_SPEC_LISTS: Record<string, ListKeys> = {
  containers: BY_NAME,
  initContainers: BY_NAME,
  ephemeralContainers: BY_NAME,
  volumes: BY_NAME,
  imagePullSecrets: BY_NAME,
  hostAliases: { fields: ['ip'] },
  topologySpreadConstraints: { fields: ['topologyKey', 'whenUnsatisfiable'] },
  schedulingGates: BY_NAME,
  resourceClaims: BY_NAME,
};

const CONTAINER_FIELDS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Where each kind keeps its pod spec. */
export const POD_SPEC_AT: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((field, index) => path[index] === field);
}

/**
 * The keys of the list at `fields` (the field names from the object's root, list positions left
 * out) in an object of `kind`, or undefined for an atomic list.
 */
export function listKeysAt(kind: string, fields: readonly string[]): ListKeys | undefined {
  if (fields.length === 2 && fields[0] === 'metadata' && fields[1] === 'ownerReferences') return { fields: ['uid'] };
  if (kind === 'Service' && fields.length === 2 && fields[0] === 'spec' && fields[1] === 'ports') return { fields: ['port', 'protocol'], defaults: WITH_PROTOCOL };
  if (kind === 'ServiceAccount' && fields.length === 1 && fields[0] === 'secrets') return BY_NAME;
  const podSpec = POD_SPEC_AT[kind];
  if (!podSpec || !startsWith(fields, podSpec)) return undefined;
  const rest = fields.slice(podSpec.length);
  if (rest.length === 1) return POD_SPEC_LISTS[rest[0]!];
  if (rest.length === 2 && CONTAINER_FIELDS.has(rest[0]!)) return CONTAINER_LISTS[rest[1]!];
  return undefined;
}

/** An item's identity in its list: its key fields joined ("8080/TCP", "/etc/registry/config.yml"), or its position. */
export function listItemKey(keys: ListKeys | undefined, item: unknown, index: number): string {
  if (!keys || item === null || typeof item !== 'object' || Array.isArray(item)) return String(index);
  const record = item as Record<string, unknown>;
  const parts = keys.fields.map((field) => record[field] ?? keys.defaults?.[field]);
  if (parts.some((part) => part === undefined || part === null)) return String(index);
  return parts.map(String).join('/');
}
