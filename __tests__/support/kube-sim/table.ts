/**
 * Server-side printing (meta.k8s.io Table) for `kubectl get`: kubectl prints only NAME and AGE for
 * objects the server does not render, so pods, deployments and events get their usual columns.
 */
import type { KubeObject } from './types.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  cell: (object: KubeObject) => unknown;
}

export function humanAge(timestamp: string | undefined): string {
  if (!timestamp) return '<unknown>';
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return `${minutes}m${seconds % 60 ? `${seconds % 60}s` : ''}`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

const NAME: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name };
const AGE: Column = { name: 'Age', type: 'string', cell: (o) => humanAge(o.metadata.creationTimestamp) };

function podStatusReason(pod: Obj): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  let reason: string = pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
  let hasRunning = false;
  for (const cs of [...(pod.status?.containerStatuses ?? [])].reverse()) {
    if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs.state?.terminated?.reason) reason = cs.state.terminated.reason;
    else if (cs.state?.running && cs.ready) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) reason = 'Running';
  return reason;
}

const COLUMNS: Record<string, Column[]> = {
  Pod: [
    NAME,
    {
      name: 'Ready',
      type: 'string',
      cell: (p) => `${(p.status?.containerStatuses ?? []).filter((c: Obj) => c.ready).length}/${(p.spec?.containers ?? []).length}`,
    },
    { name: 'Status', type: 'string', cell: (p) => podStatusReason(p) },
    { name: 'Restarts', type: 'string', cell: (p) => String((p.status?.containerStatuses ?? []).reduce((n: number, c: Obj) => n + (c.restartCount ?? 0), 0)) },
    AGE,
    { name: 'IP', type: 'string', priority: 1, cell: (p) => p.status?.podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (p) => p.spec?.nodeName ?? '<none>' },
  ],
  Deployment: [
    NAME,
    { name: 'Ready', type: 'string', cell: (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', cell: (d) => d.status?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (d) => d.status?.availableReplicas ?? 0 },
    AGE,
    { name: 'Containers', type: 'string', priority: 1, cell: (d) => (d.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.name).join(',') },
    { name: 'Images', type: 'string', priority: 1, cell: (d) => (d.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.image).join(',') },
  ],
  StatefulSet: [NAME, { name: 'Ready', type: 'string', cell: (s) => `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}` }, AGE],
  ReplicaSet: [
    NAME,
    { name: 'Desired', type: 'integer', cell: (r) => r.spec?.replicas ?? 0 },
    { name: 'Current', type: 'integer', cell: (r) => r.status?.replicas ?? 0 },
    { name: 'Ready', type: 'integer', cell: (r) => r.status?.readyReplicas ?? 0 },
    AGE,
  ],
  PersistentVolumeClaim: [
    NAME,
    { name: 'Status', type: 'string', cell: (c) => c.status?.phase ?? '' },
    { name: 'Volume', type: 'string', cell: (c) => c.spec?.volumeName ?? '' },
    { name: 'Capacity', type: 'string', cell: (c) => c.status?.capacity?.storage ?? '' },
    { name: 'Access Modes', type: 'string', cell: (c) => (c.status?.accessModes ?? []).map((m: string) => m.replace('ReadWriteOnce', 'RWO').replace('ReadWriteMany', 'RWX').replace('ReadOnlyMany', 'ROX')).join(',') },
    { name: 'StorageClass', type: 'string', cell: (c) => c.spec?.storageClassName ?? '<unset>' },
    AGE,
  ],
  Event: [
    { name: 'Last Seen', type: 'string', cell: (e) => humanAge(e.lastTimestamp ?? e.metadata.creationTimestamp) },
    { name: 'Type', type: 'string', cell: (e) => e.type },
    { name: 'Reason', type: 'string', cell: (e) => e.reason },
    { name: 'Object', type: 'string', cell: (e) => `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name}` },
    { name: 'Message', type: 'string', cell: (e) => e.message },
  ],
  Service: [
    NAME,
    { name: 'Type', type: 'string', cell: (s) => s.spec?.type },
    { name: 'Cluster-IP', type: 'string', cell: (s) => s.spec?.clusterIP ?? '<none>' },
    { name: 'External-IP', type: 'string', cell: (s) => s.status?.loadBalancer?.ingress?.[0]?.ip ?? '<none>' },
    { name: 'Port(s)', type: 'string', cell: (s) => (s.spec?.ports ?? []).map((p: Obj) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>' },
    AGE,
  ],
  Namespace: [NAME, { name: 'Status', type: 'string', cell: (n) => n.status?.phase ?? 'Active' }, AGE],
  Node: [
    NAME,
    { name: 'Status', type: 'string', cell: (n) => ((n.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True') ? 'Ready' : 'NotReady') },
    { name: 'Roles', type: 'string', cell: () => '<none>' },
    AGE,
    { name: 'Version', type: 'string', cell: (n) => n.status?.nodeInfo?.kubeletVersion ?? '' },
  ],
  Job: [
    NAME,
    {
      name: 'Status',
      type: 'string',
      cell: (j) => {
        const done = (j.status?.conditions ?? []).find((c: Obj) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
        return done?.type ?? 'Running';
      },
    },
    { name: 'Completions', type: 'string', cell: (j) => `${j.status?.succeeded ?? 0}/${j.spec?.completions ?? 1}` },
    AGE,
  ],
};

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept);
}

export function renderTable(kind: string, objects: KubeObject[], resourceVersion: string, includeObject: string | undefined): object {
  const columns = COLUMNS[kind] ?? [NAME, AGE];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: c.priority ?? 0 })),
    rows: objects.map((object) => ({
      cells: columns.map((c) => c.cell(object)),
      object:
        includeObject === 'Object'
          ? object
          : includeObject === 'None'
            ? null
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata },
    })),
  };
}
