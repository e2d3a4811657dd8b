/**
 * PodDisruptionBudgets: expected/current/desired healthy counts from the pods the selector matches.
 * kstatus (Helm 4 --wait) holds a PDB InProgress until desiredHealthy is set and met.
 */
import type { ControllerContext } from './controller-context.js';
import { deepEqual } from './patch.js';
import { nowTimestamp } from './store.js';
import { isReady, scaledValue, selectorMatches, stableConditions, type Obj } from './workload-utils.js';

export function syncDisruptionBudgets(ctx: ControllerContext): void {
  for (const pdb of ctx.store.list(ctx.kinds.pdb)) {
    if (pdb.metadata.deletionTimestamp) continue;
    const pods = ctx.store.list(ctx.kinds.pod, pdb.metadata.namespace, (pod) => selectorMatches(pdb.spec?.selector, pod.metadata.labels) && !pod.metadata.deletionTimestamp);
    const expectedPods = pods.length;
    const currentHealthy = pods.filter(isReady).length;
    const spec: Obj = pdb.spec ?? {};
    const desiredHealthy = Math.max(
      0,
      spec.minAvailable !== undefined ? scaledValue(spec.minAvailable, expectedPods, true) : expectedPods - scaledValue(spec.maxUnavailable ?? 0, expectedPods, true),
    );
    const disruptionsAllowed = Math.max(0, currentHealthy - desiredHealthy);
    const now = nowTimestamp();
    const condition = {
      type: 'DisruptionAllowed',
      status: disruptionsAllowed > 0 ? 'True' : 'False',
      observedGeneration: pdb.metadata.generation,
      lastTransitionTime: now,
      reason: disruptionsAllowed > 0 ? 'SufficientPods' : 'InsufficientPods',
      message: '',
    };
    const status = {
      observedGeneration: pdb.metadata.generation,
      disruptionsAllowed,
      currentHealthy,
      desiredHealthy,
      expectedPods,
      conditions: stableConditions(pdb.status?.conditions, [condition]),
    };
    if (!deepEqual(status, pdb.status)) ctx.store.update(ctx.kinds.pdb, { ...pdb, status }, { subresource: 'status' });
  }
}
