/**
 * Deployments: a ReplicaSet per pod template (`<name>-<hash>`, reused on rollback), old ReplicaSets
 * scaled to 0 once the new one is available, and the status fields kstatus, Helm 3 and kubectl read.
 */
import type { ControllerContext } from './controller-context.js';
import { FAULT_ANNOTATION } from './faults.js';
import { deepClone, deepEqual } from './patch.js';
import { nowTimestamp } from './store.js';
import type { KubeObject } from './types.js';
import { ownedBy, ownerRef, safeHash, scaledValue, stableConditions, withoutZeros, type Obj } from './workload-utils.js';

/** When each Deployment (by uid) started rolling out its current template, for progressDeadlineSeconds. */
export type RolloutClock = Map<string, { hash: string; sinceMs: number }>;

export function syncDeployments(ctx: ControllerContext, rolloutStart: RolloutClock): void {
  for (const deploy of ctx.store.list(ctx.kinds.deployment)) {
    if (deploy.metadata.deletionTimestamp) continue;
    syncDeployment(ctx, rolloutStart, deploy);
  }
}

function syncDeployment(ctx: ControllerContext, rolloutStart: RolloutClock, deploy: KubeObject): void {
  const rsType = ctx.kinds.replicaSet;
  const ns = deploy.metadata.namespace!;
  const spec = deploy.spec ?? {};
  const replicas: number = spec.replicas ?? 1;
  const hash = safeHash(spec.template);
  const owned = ctx.store.list(rsType, ns, (rs) => ownedBy(rs, deploy));
  const maxRevision = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0)));
  let newRs = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
  const progress = rolloutStart.get(deploy.metadata.uid!);
  if (!progress || progress.hash !== hash) rolloutStart.set(deploy.metadata.uid!, { hash, sinceMs: Date.now() });

  const faultAnnotation = deploy.metadata.annotations?.[FAULT_ANNOTATION];
  if (!newRs) {
    const template = deepClone(spec.template ?? {});
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), 'pod-template-hash': hash };
    const rsName = `${deploy.metadata.name}-${hash}`;
    newRs = ctx.store.create(rsType, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace: ns,
        labels: template.metadata.labels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/max-replicas': String(replicas + scaledValue(spec.strategy?.rollingUpdate?.maxSurge, replicas, true)),
          'deployment.kubernetes.io/revision': String(maxRevision + 1),
          ...(faultAnnotation ? { [FAULT_ANNOTATION]: faultAnnotation } : {}),
        },
        ownerReferences: [ownerRef(deploy) as never],
      },
      spec: {
        replicas,
        ...(spec.minReadySeconds ? { minReadySeconds: spec.minReadySeconds } : {}),
        selector: { ...deepClone(spec.selector ?? {}), matchLabels: { ...(spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
        template,
      },
    });
    ctx.recorder.record(deploy, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rsName} from 0 to ${replicas}`, 'deployment-controller');
  } else {
    const revision = Number(newRs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    const needsRevision = revision < maxRevision;
    if (newRs.spec.replicas !== replicas || needsRevision) {
      const from = newRs.spec.replicas;
      newRs.spec.replicas = replicas;
      newRs.metadata.annotations = {
        ...(newRs.metadata.annotations ?? {}),
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        ...(needsRevision ? { 'deployment.kubernetes.io/revision': String(maxRevision + 1) } : {}),
      };
      newRs = ctx.store.update(rsType, newRs);
      if (from !== replicas) {
        ctx.recorder.record(deploy, 'Normal', 'ScalingReplicaSet', `Scaled ${from < replicas ? 'up' : 'down'} replica set ${newRs.metadata.name} from ${from} to ${replicas}`, 'deployment-controller');
      }
    }
  }

  const newAvailable: number = newRs.status?.availableReplicas ?? 0;
  const oldSets = owned.filter((rs) => rs.metadata.name !== newRs!.metadata.name);
  if (newAvailable >= replicas) {
    for (const old of oldSets) {
      if ((old.spec?.replicas ?? 0) === 0) continue;
      const from = old.spec.replicas;
      old.spec.replicas = 0;
      ctx.safely(() => ctx.store.update(rsType, old));
      ctx.recorder.record(deploy, 'Normal', 'ScalingReplicaSet', `Scaled down replica set ${old.metadata.name} from ${from} to 0`, 'deployment-controller');
    }
  }

  const sets = ctx.store.list(rsType, ns, (rs) => ownedBy(rs, deploy));
  const current = sets.find((rs) => rs.metadata.name === newRs!.metadata.name);
  const sum = (pick: (rs: KubeObject) => number) => sets.reduce((total, rs) => total + pick(rs), 0);
  const totalReplicas = sum((rs) => rs.status?.replicas ?? 0);
  const updated = current?.status?.replicas ?? 0;
  const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
  const available = sum((rs) => rs.status?.availableReplicas ?? 0);
  const desiredTotal = sum((rs) => rs.spec?.replicas ?? 0);
  const maxUnavailable = spec.strategy?.type === 'Recreate' ? 0 : scaledValue(spec.strategy?.rollingUpdate?.maxUnavailable, replicas, false);
  const now = nowTimestamp();
  const rsName = newRs.metadata.name;
  const complete = updated === replicas && totalReplicas === replicas && available >= replicas;
  const deadlineMs = (spec.progressDeadlineSeconds ?? 600) * 1000;
  const started = rolloutStart.get(deploy.metadata.uid!)!;
  const previousProgressing = (deploy.status?.conditions ?? []).find((c: Obj) => c.type === 'Progressing');
  let progressing: Obj;
  if (complete) {
    progressing = { type: 'Progressing', status: 'True', lastUpdateTime: now, lastTransitionTime: now, reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` };
  } else if (Date.now() - started.sinceMs > deadlineMs || (previousProgressing?.reason === 'ProgressDeadlineExceeded' && progress?.hash === hash)) {
    progressing = { type: 'Progressing', status: 'False', lastUpdateTime: now, lastTransitionTime: now, reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` };
  } else {
    progressing = { type: 'Progressing', status: 'True', lastUpdateTime: now, lastTransitionTime: now, reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` };
  }
  const availableCond =
    available >= replicas - maxUnavailable
      ? { type: 'Available', status: 'True', lastUpdateTime: now, lastTransitionTime: now, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : { type: 'Available', status: 'False', lastUpdateTime: now, lastTransitionTime: now, reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
  const status = {
    ...withoutZeros({
      observedGeneration: deploy.metadata.generation,
      replicas: totalReplicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, desiredTotal - available),
    }),
    conditions: stableConditions(deploy.status?.conditions, [availableCond, progressing]),
  };
  if (!deepEqual(status, deploy.status)) {
    ctx.store.update(ctx.kinds.deployment, { ...deploy, status }, { subresource: 'status' });
  }
  const revision = current?.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const fresh = ctx.store.get(ctx.kinds.deployment, ns, deploy.metadata.name!);
  if (fresh && revision && fresh.metadata.annotations?.['deployment.kubernetes.io/revision'] !== revision) {
    fresh.metadata.annotations = { ...(fresh.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': revision };
    ctx.store.update(ctx.kinds.deployment, fresh);
  }
}
