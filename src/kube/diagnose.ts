import { log } from '../report/log.js';
import { ToolError } from '../tools/exec.js';
import type { Kubectl } from './kubectl.js';
import { releaseSelector, type Workload, type WorkloadState } from './workloads.js';

/** Why a Harbor component is not ready, gathered from pods, events and logs, with known causes named. */

export interface PodDiagnosis {
  name: string;
  phase: string;
  /** Seen by the watch while helm waited, deleted since (usually by helm's rollback). */
  deleted?: boolean;
  /** e.g. "registry: CrashLoopBackOff (restarts 4, last exit 1)". */
  containers: string[];
  unschedulable?: string;
}

export interface ComponentDiagnosis {
  workload: Workload;
  progress: string;
  pods: PodDiagnosis[];
  /** Recent Warning events about the workload, its ReplicaSets and pods. */
  events: string[];
  logTail?: { pod: string; container: string; lines: string };
  hints: string[];
}

export interface Diagnosis {
  components: ComponentDiagnosis[];
  pendingClaims: string[];
  hints: string[];
}

const UNBOUND_CLAIM_HINT =
  'A volume claim is not bound: its PersistentVolume or storage class is missing (with cfs-server the action creates them; check cfs-server and cfs-path).';

/** Causes recognisable in logs, events and waiting messages, each with the fix. */
const KNOWN_CAUSES: { pattern: RegExp; hint: string }[] = [
  { pattern: /password authentication failed/i, hint: 'PostgreSQL refused the password: check database-password and database-username.' },
  { pattern: /database "[^"]+" does not exist/i, hint: 'The database does not exist: create it on the PostgreSQL server, or set database-name.' },
  { pattern: /(dial tcp|connect).*:5432.*(refused|timeout|no such host)|could not connect to server|no such host.*postgres/i, hint: 'PostgreSQL is unreachable from the cluster: check database-host, database-port and network policies.' },
  { pattern: /WRONGPASS|NOAUTH|invalid username-password pair|ERR AUTH|Client sent AUTH, but no password is set/i, hint: 'Redis refused the credentials: check redis-password (and redis-username for ACL users).' },
  { pattern: /(dial tcp|connect).*:6379.*(refused|timeout|no such host)/i, hint: 'Redis is unreachable from the cluster: check redis-addr.' },
  { pattern: /permission denied/i, hint: 'Permission denied on a volume: the CFS (NFS) directories must be writable by Harbor\'s user (uid 10000). Keep cfs-prepare: true, or chown the directories on the export.' },
  { pattern: /Failed to pull image|ErrImagePull|ImagePullBackOff|manifest unknown|pull access denied/i, hint: 'An image cannot be pulled: check that the nodes reach the image registry (Docker Hub is slow or blocked from some regions: mirror the goharbor images and set <component>.image.repository), and imagePullSecrets.' },
  { pattern: /FailedScheduling|Insufficient (cpu|memory)|didn't match Pod's node affinity|untolerated taint/i, hint: 'A pod cannot be scheduled: the nodes lack capacity or match no node selector; see the event above.' },
  { pattern: /unbound immediate PersistentVolumeClaims|persistentvolumeclaim "[^"]+" not found|waiting for a volume to be created|no persistent volumes available/i, hint: UNBOUND_CLAIM_HINT },
  { pattern: /PathStyleDomainForbidden/, hint: 'COS refuses path-style requests for this bucket (buckets created after 2024-01-01): set cos-endpoint to the bucket domain https://<bucket>.cos.<region>.myqcloud.com, or use storage: filesystem on CFS.' },
  { pattern: /NoSuchBucket/, hint: 'COS has no such bucket: check cos-bucket (with its APPID) and cos-region.' },
  { pattern: /SignatureDoesNotMatch|AuthorizationHeaderMalformed/, hint: 'COS rejected the request signature: cos-secret-key is wrong, or cos-region does not match the bucket\'s region.' },
  { pattern: /AccessDenied|InvalidAccessKeyId/, hint: 'COS denied access: check cos-secret-id/cos-secret-key and that the key\'s CAM policy allows the bucket.' },
  { pattern: /Path not found: .*_uploads/, hint: 'COS listed an upload late (eventual consistency): a retried push succeeds; this alone does not stop Harbor.' },
];

export function hintsFor(text: string): string[] {
  return KNOWN_CAUSES.filter(({ pattern }) => pattern.test(text)).map(({ hint }) => hint);
}

export interface PodFields {
  metadata: { name: string; labels?: Record<string, string> };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: {
      name: string;
      ready?: boolean;
      restartCount?: number;
      state?: { waiting?: { reason?: string; message?: string }; running?: object; terminated?: { reason?: string; exitCode?: number } };
      lastState?: { terminated?: { reason?: string; exitCode?: number } };
    }[];
  };
}

interface EventFields {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string };
}

function describePod(pod: PodFields, deleted = false): PodDiagnosis {
  const containers = (pod.status?.containerStatuses ?? []).map((c) => {
    const waiting = c.state?.waiting;
    const state = waiting?.reason ?? (c.state?.running ? (c.ready ? 'running, ready' : 'running, not ready') : (c.state?.terminated?.reason ?? 'starting'));
    const last = c.lastState?.terminated ? `, last exit ${c.lastState.terminated.exitCode ?? '?'}${c.lastState.terminated.reason ? ` (${c.lastState.terminated.reason})` : ''}` : '';
    const message = waiting?.message ? `: ${waiting.message}` : '';
    return `${c.name}: ${state} (restarts ${c.restartCount ?? 0}${last})${message}`;
  });
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  return {
    name: pod.metadata.name,
    phase: pod.status?.phase ?? 'Unknown',
    ...(deleted ? { deleted } : {}),
    containers,
    unschedulable: scheduled?.status === 'False' ? `${scheduled.reason ?? 'Unschedulable'}: ${scheduled.message ?? ''}`.trim() : undefined,
  };
}

/** The container whose log explains the failure: one that restarted or is crash-looping. */
function failingContainer(pods: PodFields[]): { pod: string; container: string; previous: boolean } | undefined {
  for (const pod of pods) {
    for (const c of pod.status?.containerStatuses ?? []) {
      if (c.state?.waiting?.reason === 'CrashLoopBackOff' || (c.restartCount ?? 0) > 0 || c.lastState?.terminated) {
        return { pod: pod.metadata.name, container: c.name, previous: !!c.lastState?.terminated };
      }
    }
  }
  for (const pod of pods) {
    for (const c of pod.status?.containerStatuses ?? []) if (c.state?.running && !c.ready) return { pod: pod.metadata.name, container: c.name, previous: false };
  }
  return undefined;
}

async function logTail(kubectl: Kubectl, namespace: string, target: { pod: string; container: string; previous: boolean }): Promise<string | undefined> {
  const base = ['logs', target.pod, '-c', target.container, '-n', namespace, '--tail=20'];
  for (const args of target.previous ? [[...base, '--previous'], base] : [base]) {
    try {
      const { stdout } = await kubectl.run(args, { quietStdout: true });
      if (stdout.trim()) return stdout.trimEnd();
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
    }
  }
  return undefined;
}

function eventTime(event: EventFields): string {
  return event.lastTimestamp ?? event.eventTime ?? '';
}

function trouble(pod: PodDiagnosis): number {
  return (pod.unschedulable ? 2 : 0) + (pod.containers.some((c) => !c.includes('running, ready')) ? 1 : 0);
}

/** A pod in trouble: waiting for another reason than starting, restarted, or not schedulable. */
export function podInTrouble(pod: PodFields): boolean {
  const starting = new Set(['ContainerCreating', 'PodInitializing']);
  const containers = pod.status?.containerStatuses ?? [];
  return (
    containers.some((c) => (c.state?.waiting?.reason && !starting.has(c.state.waiting.reason)) || (c.restartCount ?? 0) > 0 || c.lastState?.terminated) ||
    pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') === true
  );
}

/**
 * `observed.pods` are the pods a watch saw while helm waited. Those gone by now (helm's rollback
 * deletes the failing ReplicaSet's pods) are still described, in their last state, so the failure
 * keeps its evidence however quickly helm gave up; and a log tail `observed.earlier` read while
 * they ran stands in for the log that went with them.
 */
export async function diagnose(
  kubectl: Kubectl,
  namespace: string,
  release: string,
  notReady: { workload: Workload; state?: WorkloadState }[],
  observed: { pods?: PodFields[]; earlier?: Diagnosis } = {},
): Promise<Diagnosis> {
  const [pods, events, claims] = await Promise.all([
    kubectl.list('pods', namespace, releaseSelector(release)).then((items) => ({ items: items as unknown as PodFields[] })),
    kubectl.list('events', namespace).then((items) => ({ items: items as unknown as EventFields[] })),
    kubectl.list('persistentvolumeclaims', namespace).then((items) => ({ items })),
  ]);
  const warnings = events.items.filter((e) => e.type === 'Warning').sort((a, b) => eventTime(a).localeCompare(eventTime(b)));
  const pendingClaims = claims.items.filter((claim) => (claim.status as { phase?: string } | undefined)?.phase === 'Pending').map((claim) => claim.metadata.name);
  const current = new Set(pods.items.map((pod) => pod.metadata.name));
  const deleted = (observed.pods ?? []).filter((pod) => !current.has(pod.metadata.name) && podInTrouble(pod));
  const components: ComponentDiagnosis[] = [];
  for (const { workload, state } of notReady) {
    const ofComponent = (pod: PodFields) => pod.metadata.labels?.component === workload.component;
    const componentPods = pods.items.filter(ofComponent);
    const deletedPods = deleted.filter(ofComponent);
    const componentEvents = warnings
      .filter((e) => e.involvedObject?.name?.startsWith(workload.name) || (e.involvedObject?.kind === 'PersistentVolumeClaim' && pendingClaims.includes(e.involvedObject.name ?? '')))
      .slice(-6)
      .map((e) => `${e.reason ?? 'Warning'}: ${e.message ?? ''}${(e.count ?? 1) > 1 ? ` (×${e.count})` : ''}`);
    const target = failingContainer(componentPods);
    const lines = target ? await logTail(kubectl, namespace, target) : undefined;
    const tail = target && lines ? { pod: target.pod, container: target.container, lines } : observed.earlier?.components.find((c) => c.workload.component === workload.component)?.logTail;
    // The pods that explain the failure first: waiting, restarting or unschedulable ones.
    const described = [...componentPods.map((pod) => describePod(pod)), ...deletedPods.map((pod) => describePod(pod, true))].sort((a, b) => trouble(b) - trouble(a));
    const evidence = [...described.flatMap((p) => [...p.containers, p.unschedulable ?? '']), ...componentEvents, tail?.lines ?? ''].join('\n');
    components.push({
      workload,
      progress: state?.failed ? `${state.progress}; ${state.failed}` : (state?.progress ?? 'not created'),
      pods: described,
      events: componentEvents,
      logTail: tail,
      hints: hintsFor(evidence),
    });
  }
  const hints = [...new Set([...components.flatMap((c) => c.hints), ...(pendingClaims.length > 0 ? [UNBOUND_CLAIM_HINT] : [])])];
  log.debug(`diagnosis: ${components.length} components not ready, ${pendingClaims.length} pending claims`);
  return { components, pendingClaims, hints };
}
