/** PersistentVolumeClaims: bound to their named PV or a provisioned `pvc-<uid>`, or Pending with an event. */
import type { ControllerContext } from './controller-context.js';
import { objectFault } from './faults.js';

export function syncClaims(ctx: ControllerContext): void {
  for (const pvc of ctx.store.list(ctx.kinds.pvc)) {
    if (pvc.status?.phase === 'Bound' || pvc.metadata.deletionTimestamp) continue;
    const volumeName: string | undefined = pvc.spec?.volumeName;
    if (objectFault(pvc) === 'PVCPending') {
      const storageClass = pvc.spec?.storageClassName ?? 'standard';
      ctx.recorder.record(pvc, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${storageClass}" not found`, 'persistentvolume-controller');
      continue;
    }
    if (volumeName) {
      const pv = ctx.store.get(ctx.kinds.pv, undefined, volumeName);
      if (!pv) {
        ctx.recorder.record(pvc, 'Warning', 'FailedBinding', `volume "${volumeName}" not found`, 'persistentvolume-controller');
        continue;
      }
      pv.spec.claimRef = { kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, apiVersion: 'v1', resourceVersion: pvc.metadata.resourceVersion };
      ctx.safely(() => {
        const updated = ctx.store.update(ctx.kinds.pv, pv);
        ctx.store.update(ctx.kinds.pv, { ...updated, status: { phase: 'Bound' } }, { subresource: 'status' });
      });
    } else {
      pvc.spec.volumeName = `pvc-${pvc.metadata.uid}`;
      ctx.store.update(ctx.kinds.pvc, pvc);
    }
    const fresh = ctx.store.get(ctx.kinds.pvc, pvc.metadata.namespace, pvc.metadata.name!);
    if (!fresh) continue;
    const capacity = fresh.spec?.resources?.requests?.storage ?? '1Gi';
    ctx.store.update(ctx.kinds.pvc, { ...fresh, status: { phase: 'Bound', accessModes: fresh.spec?.accessModes ?? ['ReadWriteOnce'], capacity: { storage: capacity } } }, { subresource: 'status' });
  }
}
