import type { ActionConfig } from '../inputs/config.js';
import { chartFullname } from '../values/names.js';
import type { Values } from '../values/overrides.js';
import type { KubeObject } from './manifests.js';

/** The workloads the Harbor chart makes for a configuration (harbor-facts.md: names and labels). */
export interface Workload {
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  component: string;
}

export function releaseSelector(release: string): string {
  return `release=${release},app=harbor`;
}

function enabled(values: Values, path: string): boolean {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Values)[key] : undefined), values) === true;
}

export function expectedWorkloads(config: ActionConfig, values: Values): Workload[] {
  const fullname = chartFullname(config.release);
  const deployment = (component: string): Workload => ({ kind: 'Deployment', name: `${fullname}-${component}`, component });
  const statefulSet = (component: string): Workload => ({ kind: 'StatefulSet', name: `${fullname}-${component}`, component });
  const exposeType = (values.expose as { type?: string } | undefined)?.type ?? config.expose.type;
  return [
    deployment('core'),
    deployment('jobservice'),
    deployment('registry'),
    deployment('portal'),
    ...(exposeType === 'ingress' || exposeType === 'route' ? [] : [deployment('nginx')]),
    ...(enabled(values, 'metrics.enabled') ? [deployment('exporter')] : []),
    ...(enabled(values, 'trivy.enabled') ? [statefulSet('trivy')] : []),
    ...(config.database.type === 'internal' ? [statefulSet('database')] : []),
    ...(config.redis.type === 'internal' ? [statefulSet('redis')] : []),
  ];
}

export interface WorkloadState {
  ready: boolean;
  /** A terminal failure the controller reports (ProgressDeadlineExceeded). */
  failed?: string;
  /** e.g. "1/2 ready, 1 updated". */
  progress: string;
}

interface WorkloadFields {
  metadata: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** Readiness as kstatus (Helm 4's waiter) decides it, so the action and helm agree. */
export function workloadState(object: KubeObject): WorkloadState {
  const { metadata, spec, status = {} } = object as unknown as WorkloadFields;
  const wanted = spec?.replicas ?? 1;
  const old = Math.max(0, (status.replicas ?? 0) - (status.updatedReplicas ?? 0));
  const progress = `${status.updatedReplicas ?? 0}/${wanted} updated, ${status.readyReplicas ?? 0} ready${old > 0 ? `, ${old} old pod${old > 1 ? 's' : ''} still running` : ''}`;
  const observed = (status.observedGeneration ?? 0) >= (metadata.generation ?? 0);
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { ready: false, failed: progressing.message ?? 'progress deadline exceeded', progress };
  const counts =
    (status.updatedReplicas ?? 0) >= wanted && (status.readyReplicas ?? 0) >= wanted && (status.replicas ?? 0) <= wanted && (object.kind === 'StatefulSet' || (status.availableReplicas ?? 0) >= wanted);
  if (object.kind === 'StatefulSet') {
    return { ready: observed && counts && (status.currentRevision ?? '') === (status.updateRevision ?? ''), progress };
  }
  const available = status.conditions?.find((c) => c.type === 'Available')?.status === 'True';
  return { ready: observed && counts && available, progress };
}
