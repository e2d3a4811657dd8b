/** ReplicaSets: as many pods as spec.replicas (not-ready ones go first), and their counts in status. */
import type { ControllerContext } from './controller-context.js';
import { FAULT_ANNOTATION } from './faults.js';
import { deepEqual } from './patch.js';
import { isReady, ownedBy, randomSuffix, withoutZeros } from './workload-utils.js';

export function syncReplicaSets(ctx: ControllerContext): void {
  for (const rs of ctx.store.list(ctx.kinds.replicaSet)) {
    if (rs.metadata.deletionTimestamp) continue;
    const pods = ctx.store.list(ctx.kinds.pod, rs.metadata.namespace, (pod) => ownedBy(pod, rs));
    const want: number = rs.spec?.replicas ?? 1;
    for (let i = pods.length; i < want; i++) {
      const pod = ctx.createPod(rs, `${rs.metadata.name}-${randomSuffix()}`, rs.spec.template, rs.metadata.annotations?.[FAULT_ANNOTATION]);
      if (pod) {
        pods.push(pod);
        ctx.recorder.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
      }
    }
    if (pods.length > want) {
      const victims = [...pods].sort((a, b) => Number(isReady(a)) - Number(isReady(b))).slice(0, pods.length - want);
      for (const pod of victims) {
        ctx.safely(() => ctx.store.delete(ctx.kinds.pod, pod.metadata.namespace, pod.metadata.name!));
        ctx.pods.forget(pod.metadata.uid!);
        ctx.recorder.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, 'replicaset-controller');
      }
    }
    const live = ctx.store.list(ctx.kinds.pod, rs.metadata.namespace, (pod) => ownedBy(pod, rs));
    const ready = live.filter(isReady).length;
    const status = withoutZeros({ replicas: live.length, fullyLabeledReplicas: live.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata.generation }, ['replicas']);
    if (!deepEqual(status, rs.status)) ctx.store.update(ctx.kinds.replicaSet, { ...rs, status }, { subresource: 'status' });
  }
}
