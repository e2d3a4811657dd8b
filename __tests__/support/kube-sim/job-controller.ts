/** Jobs: one pod at a time until completions (Complete) or backoffLimit failures (Failed). */
import type { ControllerContext } from './controller-context.js';
import { FAULT_ANNOTATION } from './faults.js';
import { deepEqual } from './patch.js';
import { nowTimestamp } from './store.js';
import { isReady, ownedBy, randomSuffix, withoutZeros, type Obj } from './workload-utils.js';

export function syncJobs(ctx: ControllerContext): void {
  for (const job of ctx.store.list(ctx.kinds.job)) {
    if (job.metadata.deletionTimestamp) continue;
    const ns = job.metadata.namespace!;
    const conditions: Obj[] = job.status?.conditions ?? [];
    const finished = conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const pods = ctx.store.list(ctx.kinds.pod, ns, (pod) => ownedBy(pod, job));
    const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
    const failed = pods.filter((p) => p.status?.phase === 'Failed').length;
    const active = pods.length - succeeded - failed;
    const completions: number = job.spec?.completions ?? 1;
    const backoffLimit: number = job.spec?.backoffLimit ?? 6;
    if (!finished && active === 0 && succeeded < completions && failed <= backoffLimit) {
      const pod = ctx.createPod(job, `${job.metadata.name}-${randomSuffix()}`, job.spec?.template, job.metadata.annotations?.[FAULT_ANNOTATION], {
        labels: { 'job-name': job.metadata.name, 'batch.kubernetes.io/job-name': job.metadata.name, 'controller-uid': job.metadata.uid, 'batch.kubernetes.io/controller-uid': job.metadata.uid },
      });
      if (pod) ctx.recorder.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'job-controller');
    }
    const now = nowTimestamp();
    let newConditions = conditions;
    let completionTime = job.status?.completionTime;
    if (!finished && succeeded >= completions) {
      newConditions = [
        { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
        { type: 'Complete', status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
      ];
      completionTime = now;
      ctx.recorder.record(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
    } else if (!finished && failed > backoffLimit) {
      newConditions = [
        { type: 'FailureTarget', status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
        { type: 'Failed', status: 'True', lastProbeTime: now, lastTransitionTime: now, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
      ];
      ctx.recorder.record(job, 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', 'job-controller');
    }
    const status = {
      ...(job.status?.startTime ? { startTime: job.status.startTime } : { startTime: now }),
      ...withoutZeros({ active, succeeded, failed, ready: pods.filter(isReady).length }),
      terminating: 0,
      uncountedTerminatedPods: {},
      ...(newConditions.length ? { conditions: newConditions } : {}),
      ...(completionTime ? { completionTime } : {}),
    };
    if (!deepEqual(status, job.status)) ctx.store.update(ctx.kinds.job, { ...job, status }, { subresource: 'status' });
  }
}
