/**
 * The control loop: runs every controller each tick (namespace termination, garbage collection,
 * PVC binding, pod lifecycle, ReplicaSets, Deployments, StatefulSets, Jobs, DaemonSets, PDBs).
 */
import { syncClaims } from './claim-controller.js';
import { syncDaemonSets } from './daemonset-controller.js';
import { syncDisruptionBudgets } from './disruption-controller.js';
import type { ControllerContext, Kinds, PodExtras } from './controller-context.js';
import { syncDeployments, type RolloutClock } from './deployment-controller.js';
import { EventRecorder } from './events.js';
import { FAULT_ANNOTATION } from './faults.js';
import { syncJobs } from './job-controller.js';
import { deepClone, deepEqual } from './patch.js';
import { PodSimulator } from './pods.js';
import { syncReplicaSets } from './replicaset-controller.js';
import type { ResourceRegistry } from './resources.js';
import { syncStatefulSets } from './statefulset-controller.js';
import type { Store } from './store.js';
import type { KubeObject } from './types.js';
import { ownerRef, type Obj } from './workload-utils.js';

export interface ControllerOptions {
  podReadyDelayMs: number;
  tickMs: number;
}

export class Controllers implements ControllerContext {
  private timer: NodeJS.Timeout | undefined;
  readonly recorder: EventRecorder;
  readonly pods: PodSimulator;
  readonly kinds: Kinds;
  private readonly rolloutStart: RolloutClock = new Map();

  constructor(
    readonly store: Store,
    registry: ResourceRegistry,
    private readonly options: ControllerOptions,
  ) {
    this.recorder = new EventRecorder(store, registry);
    this.pods = new PodSimulator(this.recorder, options.podReadyDelayMs);
    const type = (apiVersion: string, kind: string) => registry.byKind(apiVersion, kind)!;
    this.kinds = {
      namespace: type('v1', 'Namespace'),
      pod: type('v1', 'Pod'),
      pvc: type('v1', 'PersistentVolumeClaim'),
      pv: type('v1', 'PersistentVolume'),
      deployment: type('apps/v1', 'Deployment'),
      replicaSet: type('apps/v1', 'ReplicaSet'),
      statefulSet: type('apps/v1', 'StatefulSet'),
      job: type('batch/v1', 'Job'),
      daemonSet: type('apps/v1', 'DaemonSet'),
      pdb: type('policy/v1', 'PodDisruptionBudget'),
    };
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  tick(): void {
    // Bottom-up, so a pod turning ready reaches its ReplicaSet's and Deployment's status in the same
    // tick: a client never sees a ready ReplicaSet under a Deployment that does not count it yet.
    const steps = [
      () => this.namespaces(),
      () => this.garbageCollect(),
      () => syncClaims(this),
      () => this.podStatuses(),
      () => syncReplicaSets(this),
      () => syncDeployments(this, this.rolloutStart),
      () => syncStatefulSets(this),
      () => syncJobs(this),
      () => syncDaemonSets(this),
      () => syncDisruptionBudgets(this),
    ];
    for (const step of steps) {
      try {
        step();
      } catch (error) {
        // A controller error must not stop the loop; the next tick retries.
        if (process.env.KUBE_SIM_DEBUG) console.error('kube-sim controller error', error);
      }
    }
  }

  safely(write: () => void): void {
    try {
      write();
    } catch (error) {
      if (process.env.KUBE_SIM_DEBUG) console.error('kube-sim write error', error);
    }
  }

  createPod(owner: KubeObject, name: string, template: Obj | undefined, faultAnnotation?: string, extra?: PodExtras): KubeObject | undefined {
    const podTemplate = deepClone(template ?? {});
    const annotations = { ...(podTemplate.metadata?.annotations ?? {}) };
    if (faultAnnotation && !annotations[FAULT_ANNOTATION]) annotations[FAULT_ANNOTATION] = faultAnnotation;
    const spec = podTemplate.spec ?? {};
    if (extra?.volumes) spec.volumes = [...(spec.volumes ?? []).filter((v: Obj) => !extra.volumes!.some((e) => e.name === v.name)), ...extra.volumes];
    if (extra?.hostname) spec.hostname = extra.hostname;
    if (podFaultIsUnschedulable(annotations, spec) === false) spec.nodeName = 'kube-sim-node';
    let created: KubeObject | undefined;
    this.safely(() => {
      created = this.store.create(this.kinds.pod, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: owner.metadata.namespace,
          labels: { ...(podTemplate.metadata?.labels ?? {}), ...(extra?.labels ?? {}) },
          ...(Object.keys(annotations).length ? { annotations } : {}),
          ownerReferences: [ownerRef(owner) as never],
        },
        spec,
      });
    });
    return created;
  }

  private namespaces(): void {
    for (const ns of this.store.list(this.kinds.namespace)) {
      if (!ns.metadata.deletionTimestamp) continue;
      const name = ns.metadata.name!;
      for (const { type, object } of this.store.allObjects()) {
        if (type.namespaced && object.metadata.namespace === name) this.safely(() => this.store.delete(type, name, object.metadata.name!, {}));
      }
      this.store.finalizeNamespace(this.kinds.namespace, name);
    }
  }

  private garbageCollect(): void {
    const all = this.store.allObjects();
    const uids = new Set(all.map(({ object }) => object.metadata.uid));
    for (const { type, object } of all) {
      const refs = object.metadata.ownerReferences ?? [];
      if (refs.length > 0 && refs.every((ref) => !uids.has(ref.uid))) {
        this.safely(() => this.store.delete(type, object.metadata.namespace, object.metadata.name!, {}));
        if (type.kind === 'Pod') this.pods.forget(object.metadata.uid!);
      }
    }
  }

  private podStatuses(): void {
    for (const pod of this.store.list(this.kinds.pod)) {
      if (pod.metadata.deletionTimestamp) continue;
      const unbound = (pod.spec?.volumes ?? [])
        .map((v: Obj) => v.persistentVolumeClaim?.claimName as string | undefined)
        .find((claim: string | undefined) => claim && this.store.get(this.kinds.pvc, pod.metadata.namespace, claim)?.status?.phase !== 'Bound');
      const status = this.pods.status(pod, unbound);
      if (!deepEqual(status, pod.status)) this.safely(() => this.store.update(this.kinds.pod, { ...pod, status }, { subresource: 'status' }));
    }
  }
}

function podFaultIsUnschedulable(annotations: Obj, spec: Obj): boolean {
  if (String(annotations[FAULT_ANNOTATION] ?? '').toLowerCase() === 'unschedulable') return true;
  return (spec.containers ?? []).some((c: Obj) => String(c.image ?? '').toLowerCase().includes('fault-unschedulable'));
}
