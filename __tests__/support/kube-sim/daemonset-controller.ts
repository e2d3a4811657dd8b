/** DaemonSets on the one simulated node: one pod each, replaced when the template changes. */
import type { ControllerContext } from './controller-context.js';
import { FAULT_ANNOTATION } from './faults.js';
import { deepEqual } from './patch.js';
import { isReady, ownedBy, randomSuffix, safeHash, withoutZeros } from './workload-utils.js';

export function syncDaemonSets(ctx: ControllerContext): void {
  for (const ds of ctx.store.list(ctx.kinds.daemonSet)) {
    if (ds.metadata.deletionTimestamp) continue;
    const ns = ds.metadata.namespace!;
    const revision = safeHash(ds.spec?.template);
    let pods = ctx.store.list(ctx.kinds.pod, ns, (pod) => ownedBy(pod, ds));
    for (const outdated of pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] !== revision)) {
      ctx.safely(() => ctx.store.delete(ctx.kinds.pod, ns, outdated.metadata.name!));
    }
    pods = pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision);
    if (pods.length === 0) {
      const pod = ctx.createPod(ds, `${ds.metadata.name}-${randomSuffix()}`, ds.spec?.template, ds.metadata.annotations?.[FAULT_ANNOTATION], {
        labels: { 'controller-revision-hash': revision, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
      });
      if (pod) ctx.recorder.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'daemonset-controller');
    }
    const live = ctx.store.list(ctx.kinds.pod, ns, (pod) => ownedBy(pod, ds));
    const ready = live.filter(isReady).length;
    const updated = live.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision).length;
    const status = {
      ...withoutZeros({ numberReady: ready, numberAvailable: ready, updatedNumberScheduled: updated, numberUnavailable: Math.max(0, 1 - ready) }),
      currentNumberScheduled: 1,
      desiredNumberScheduled: 1,
      numberMisscheduled: 0,
      observedGeneration: ds.metadata.generation,
    };
    if (!deepEqual(status, ds.status)) ctx.store.update(ctx.kinds.daemonSet, { ...ds, status }, { subresource: 'status' });
  }
}
