/**
 * Injected failures. Per request: a status code and/or a delay for requests whose method and
 * `path?query` match. Per object: the `kube-sim.test/fault` annotation (on a pod template, a pod,
 * a workload or a PVC) or a marker in a container image name.
 */
import type { FaultName, KubeObject } from './types.js';

export interface RequestFault {
  method?: string;
  /** Tested against the request path plus its query string. */
  path: RegExp;
  status?: number;
  delayMs?: number;
  /** How many matching requests this fault affects; unlimited when omitted. */
  times?: number;
}

export const FAULT_ANNOTATION = 'kube-sim.test/fault';
export const CRASH_LOG_ANNOTATION = 'kube-sim.test/crash-log';

const IMAGE_MARKERS: Record<string, FaultName> = {
  'fault-imagepullbackoff': 'ImagePullBackOff',
  'fault-crashloopbackoff': 'CrashLoopBackOff',
  'fault-unschedulable': 'Unschedulable',
};

const FAULT_NAMES: FaultName[] = ['ImagePullBackOff', 'CrashLoopBackOff', 'Unschedulable', 'PVCPending'];

export class RequestFaults {
  private readonly faults: { fault: RequestFault; remaining: number }[] = [];

  add(fault: RequestFault): void {
    this.faults.push({ fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The first fault matching the request, consuming one of its uses. */
  take(method: string, pathAndQuery: string): RequestFault | undefined {
    for (const entry of this.faults) {
      if (entry.remaining <= 0) continue;
      if (entry.fault.method && entry.fault.method.toUpperCase() !== method) continue;
      entry.fault.path.lastIndex = 0;
      if (!entry.fault.path.test(pathAndQuery)) continue;
      entry.remaining--;
      return entry.fault;
    }
    return undefined;
  }
}

function annotationFault(object: { metadata?: { annotations?: Record<string, string> } } | undefined): FaultName | undefined {
  const value = object?.metadata?.annotations?.[FAULT_ANNOTATION];
  return FAULT_NAMES.find((name) => name.toLowerCase() === value?.toLowerCase());
}

/** The failure a pod simulates, from its annotations or its containers' images. */
export function podFault(pod: KubeObject): { fault: FaultName; container?: string } | undefined {
  const annotated = annotationFault(pod);
  if (annotated) return { fault: annotated, container: pod.spec?.containers?.[0]?.name };
  for (const container of pod.spec?.containers ?? []) {
    const image = String(container.image ?? '').toLowerCase();
    for (const [marker, fault] of Object.entries(IMAGE_MARKERS)) if (image.includes(marker)) return { fault, container: container.name };
  }
  return undefined;
}

export function objectFault(object: KubeObject): FaultName | undefined {
  return annotationFault(object);
}
