/**
 * StatefulSets: pods `<name>-<i>` (OrderedReady or Parallel) with PVCs from volumeClaimTemplates,
 * rolling updates from the highest ordinal, currentRevision == updateRevision when done.
 */
import type { ControllerContext } from './controller-context.js';
import { FAULT_ANNOTATION } from './faults.js';
import { deepClone, deepEqual } from './patch.js';
import type { KubeObject } from './types.js';
import { isReady, ownedBy, safeHash, withoutZeros, type Obj } from './workload-utils.js';

export function syncStatefulSets(ctx: ControllerContext): void {
  for (const sts of ctx.store.list(ctx.kinds.statefulSet)) {
    if (sts.metadata.deletionTimestamp) continue;
    const ns = sts.metadata.namespace!;
    const name = sts.metadata.name!;
    const want: number = sts.spec?.replicas ?? 1;
    const updateRevision = `${name}-${safeHash(sts.spec?.template)}`;
    const pods = ctx.store.list(ctx.kinds.pod, ns, (pod) => ownedBy(pod, sts));
    const ordinal = (pod: KubeObject) => Number(pod.metadata.name!.slice(name.length + 1));
    const parallel = sts.spec?.podManagementPolicy === 'Parallel';
    for (const pod of pods.filter((p) => ordinal(p) >= want)) ctx.safely(() => ctx.store.delete(ctx.kinds.pod, ns, pod.metadata.name!));
    for (let i = 0; i < want; i++) {
      if (pods.some((p) => ordinal(p) === i)) continue;
      if (!parallel && pods.filter((p) => ordinal(p) < i && isReady(p)).length < i) break;
      const volumes = (sts.spec?.volumeClaimTemplates ?? []).map((tpl: Obj) => {
        const claimName = `${tpl.metadata?.name}-${name}-${i}`;
        if (!ctx.store.get(ctx.kinds.pvc, ns, claimName)) {
          ctx.safely(() =>
            ctx.store.create(ctx.kinds.pvc, {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              metadata: { name: claimName, namespace: ns, labels: { ...(sts.spec?.selector?.matchLabels ?? {}) }, ...(tpl.metadata?.annotations ? { annotations: tpl.metadata.annotations } : {}) },
              spec: deepClone(tpl.spec ?? {}),
            }),
          );
        }
        return { name: tpl.metadata?.name, persistentVolumeClaim: { claimName } };
      });
      const pod = ctx.createPod(sts, `${name}-${i}`, sts.spec?.template, sts.metadata.annotations?.[FAULT_ANNOTATION], {
        labels: { 'controller-revision-hash': updateRevision, 'statefulset.kubernetes.io/pod-name': `${name}-${i}`, 'apps.kubernetes.io/pod-index': String(i) },
        volumes,
        hostname: `${name}-${i}`,
      });
      if (pod) {
        pods.push(pod);
        ctx.recorder.record(sts, 'Normal', 'SuccessfulCreate', `create Pod ${name}-${i} in StatefulSet ${name} successful`, 'statefulset-controller');
      }
      if (!parallel) break;
    }
    const live = ctx.store.list(ctx.kinds.pod, ns, (pod) => ownedBy(pod, sts));
    const outdated = live.filter((p) => p.metadata.labels?.['controller-revision-hash'] !== updateRevision).sort((a, b) => ordinal(b) - ordinal(a));
    if (outdated.length > 0 && live.every(isReady)) ctx.safely(() => ctx.store.delete(ctx.kinds.pod, ns, outdated[0]!.metadata.name!));
    const ready = live.filter(isReady).length;
    const updated = live.filter((p) => p.metadata.labels?.['controller-revision-hash'] === updateRevision).length;
    const previousCurrent: string | undefined = sts.status?.currentRevision;
    const currentRevision = updated === want && live.length === want ? updateRevision : (previousCurrent ?? updateRevision);
    const currentReplicas = live.filter((p) => p.metadata.labels?.['controller-revision-hash'] === currentRevision).length;
    const status = {
      ...withoutZeros({ observedGeneration: sts.metadata.generation, replicas: live.length, readyReplicas: ready, currentReplicas, updatedReplicas: updated, availableReplicas: ready }, ['replicas']),
      currentRevision,
      updateRevision,
      collisionCount: 0,
    };
    if (!deepEqual(status, sts.status)) ctx.store.update(ctx.kinds.statefulSet, { ...sts, status }, { subresource: 'status' });
  }
}
