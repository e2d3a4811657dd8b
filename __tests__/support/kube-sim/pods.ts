/**
 * The kubelet and scheduler of the simulator: pods go Pending → Running/Ready after a delay, or
 * into the failure their fault asks for (ImagePullBackOff, CrashLoopBackOff, Unschedulable,
 * unbound PVC). Status timestamps are fixed once set, so watchers see changes only on transitions.
 */
import { createHash } from 'node:crypto';
import type { EventRecorder } from './events.js';
import { CRASH_LOG_ANNOTATION, podFault } from './faults.js';
import { nowTimestamp } from './store.js';
import type { KubeObject } from './types.js';

export const LOG_ANNOTATION = 'kube-sim.test/log';
const CRASH_INTERVAL_MS = 1000;
/** Image pull retries: ErrImagePull for the first second of every cycle, ImagePullBackOff after. */
const IMAGE_PULL_CYCLE_MS = 10_000;
const IMAGE_PULL_ERROR_MS = 1000;

interface PodRuntime {
  createdAtMs: number;
  scheduledAt: string;
  startedAt?: string;
  readyAt?: string;
  finishedAt?: string;
  podIp: string;
  emitted: Set<string>;
}

function condition(type: string, status: 'True' | 'False', since: string, reason?: string, message?: string): object {
  return { type, status, lastProbeTime: null, lastTransitionTime: since, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

function containerId(pod: KubeObject, container: string, restart: number): string {
  return `containerd://${createHash('sha256').update(`${pod.metadata.uid}/${container}/${restart}`).digest('hex')}`;
}

function imageId(image: string): string {
  const repo = image.split('@')[0]!.replace(/:[^/:]+$/, '');
  return `${repo}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

/** The status of a container that ran and ended (a Job's container, or a pod whose container failed). */
const CREATING = { reason: 'ContainerCreating' };

/** A container the kubelet has not started: still being created, or waiting for its image. */
function notStartedStatus(container: { name: string; image: string }, waiting: { reason: string; message?: string }): object {
  return { name: container.name, image: container.image, imageID: '', ready: false, started: false, restartCount: 0, state: { waiting }, lastState: {} };
}

function terminatedStatus(pod: KubeObject, container: { name: string; image: string }, exit: { code: number; reason: string }, startedAt: string | undefined, finishedAt: string | undefined): object {
  return {
    name: container.name,
    image: container.image,
    imageID: imageId(container.image),
    containerID: containerId(pod, container.name, 0),
    ready: false,
    started: false,
    restartCount: 0,
    state: { terminated: { exitCode: exit.code, reason: exit.reason, startedAt, finishedAt, containerID: containerId(pod, container.name, 0) } },
    lastState: {},
  };
}

export class PodSimulator {
  private readonly runtimes = new Map<string, PodRuntime>();
  private ipCounter = 10;

  constructor(
    private readonly recorder: EventRecorder,
    /** Changed by setPodReadyDelay: every pod compares its age with the delay in force. */
    public readyDelayMs: number,
  ) {}

  forget(uid: string): void {
    this.runtimes.delete(uid);
  }

  private runtime(pod: KubeObject): PodRuntime {
    let rt = this.runtimes.get(pod.metadata.uid!);
    if (!rt) {
      const n = this.ipCounter++;
      rt = { createdAtMs: Date.now(), scheduledAt: nowTimestamp(), podIp: `10.244.${Math.floor(n / 250)}.${(n % 250) + 1}`, emitted: new Set() };
      this.runtimes.set(pod.metadata.uid!, rt);
    }
    return rt;
  }

  private once(pod: KubeObject, rt: PodRuntime, key: string, emit: () => void): void {
    if (rt.emitted.has(key)) return;
    rt.emitted.add(key);
    emit();
  }

  /** The status the pod should have now; `unboundClaim` names a PVC the pod waits for. */
  status(pod: KubeObject, unboundClaim: string | undefined): object {
    const rt = this.runtime(pod);
    const elapsed = Date.now() - rt.createdAtMs;
    const fault = podFault(pod);
    const containers: Array<{ name: string; image: string }> = pod.spec?.containers ?? [];
    const qosClass = containers.some((c: any) => c.resources?.requests || c.resources?.limits) ? 'Burstable' : 'BestEffort'; // eslint-disable-line @typescript-eslint/no-explicit-any
    const record = (type: 'Normal' | 'Warning', reason: string, message: string, component = 'kubelet', fieldPath?: string) =>
      this.recorder.record(pod, type, reason, message, component, fieldPath);

    if (fault?.fault === 'Unschedulable' || unboundClaim) {
      const message = unboundClaim
        ? '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.'
        : '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
      this.once(pod, rt, `unschedulable:${message}`, () => record('Warning', 'FailedScheduling', message, 'default-scheduler'));
      return { phase: 'Pending', conditions: [condition('PodScheduled', 'False', rt.scheduledAt, 'Unschedulable', message)], qosClass };
    }

    this.once(pod, rt, 'scheduled', () =>
      record('Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to kube-sim-node`, 'default-scheduler'),
    );
    const base = {
      hostIP: '10.0.0.2',
      hostIPs: [{ ip: '10.0.0.2' }],
      podIP: rt.podIp,
      podIPs: [{ ip: rt.podIp }],
      startTime: rt.scheduledAt,
      qosClass,
    };
    const scheduled = condition('PodScheduled', 'True', rt.scheduledAt);
    const initialized = condition('Initialized', 'True', rt.scheduledAt);
    const notReady = (names: string[], since: string) => [
      condition('PodReadyToStartContainers', 'True', since),
      initialized,
      condition('Ready', 'False', since, 'ContainersNotReady', `containers with unready status: [${names.join(' ')}]`),
      condition('ContainersReady', 'False', since, 'ContainersNotReady', `containers with unready status: [${names.join(' ')}]`),
      scheduled,
    ];

    if (fault?.fault === 'ImagePullBackOff') {
      const broken = containers.find((c) => c.name === fault.container) ?? containers[0]!;
      const fieldPath = `spec.containers{${broken.name}}`;
      const pullError = `failed to pull and unpack image "${broken.image}": failed to resolve reference "${broken.image}": ${broken.image}: not found`;
      this.once(pod, rt, 'pulling', () => record('Normal', 'Pulling', `Pulling image "${broken.image}"`, 'kubelet', fieldPath));
      this.once(pod, rt, 'pullfailed', () => {
        record('Warning', 'Failed', `Failed to pull image "${broken.image}": ${pullError}`, 'kubelet', fieldPath);
        record('Warning', 'Failed', 'Error: ErrImagePull', 'kubelet', fieldPath);
      });
      const backingOff = elapsed % IMAGE_PULL_CYCLE_MS >= IMAGE_PULL_ERROR_MS;
      if (backingOff) {
        this.once(pod, rt, 'pullbackoff', () => {
          record('Normal', 'BackOff', `Back-off pulling image "${broken.image}"`, 'kubelet', fieldPath);
          record('Warning', 'Failed', 'Error: ImagePullBackOff', 'kubelet', fieldPath);
        });
      }
      const waiting = backingOff
        ? { reason: 'ImagePullBackOff', message: `Back-off pulling image "${broken.image}": ErrImagePull: ${pullError}` }
        : { reason: 'ErrImagePull', message: pullError };
      return {
        phase: 'Pending',
        conditions: notReady([broken.name], rt.scheduledAt),
        ...base,
        containerStatuses: containers.map((c) => notStartedStatus(c, c.name === broken.name ? waiting : CREATING)),
      };
    }

    if (elapsed < this.readyDelayMs) {
      return {
        phase: 'Pending',
        conditions: notReady(containers.map((c) => c.name), rt.scheduledAt),
        ...base,
        containerStatuses: containers.map((c) => notStartedStatus(c, CREATING)),
      };
    }
    rt.startedAt ??= nowTimestamp();
    for (const c of containers) {
      const fieldPath = `spec.containers{${c.name}}`;
      this.once(pod, rt, `started:${c.name}`, () => {
        record('Normal', 'Pulled', `Container image "${c.image}" already present on machine`, 'kubelet', fieldPath);
        record('Normal', 'Created', `Created container: ${c.name}`, 'kubelet', fieldPath);
        record('Normal', 'Started', `Started container ${c.name}`, 'kubelet', fieldPath);
      });
    }
    const runsToCompletion = pod.spec?.restartPolicy === 'Never' || pod.spec?.restartPolicy === 'OnFailure';

    if (fault?.fault === 'CrashLoopBackOff') {
      const crashing = fault.container ?? containers[0]!.name;
      if (runsToCompletion) {
        rt.finishedAt ??= nowTimestamp();
        return {
          phase: 'Failed',
          conditions: notReady([crashing], rt.startedAt),
          ...base,
          containerStatuses: containers.map((c) => terminatedStatus(pod, c, { code: 1, reason: 'Error' }, rt.startedAt, rt.finishedAt)),
        };
      }
      const restarts = Math.floor((elapsed - this.readyDelayMs) / CRASH_INTERVAL_MS) + 1;
      const message = `back-off ${Math.min(10 * 2 ** (restarts - 1), 300)}s restarting failed container=${crashing} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
      this.once(pod, rt, 'backoff', () =>
        record('Warning', 'BackOff', `Back-off restarting failed container ${crashing} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`, 'kubelet', `spec.containers{${crashing}}`),
      );
      return {
        phase: 'Running',
        conditions: notReady([crashing], rt.startedAt),
        ...base,
        containerStatuses: containers.map((c) =>
          c.name === crashing
            ? {
                name: c.name,
                image: c.image,
                imageID: imageId(c.image),
                containerID: containerId(pod, c.name, restarts),
                ready: false,
                started: false,
                restartCount: restarts,
                state: { waiting: { reason: 'CrashLoopBackOff', message } },
                lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: rt.startedAt, finishedAt: rt.startedAt, containerID: containerId(pod, c.name, restarts) } },
              }
            : { name: c.name, image: c.image, imageID: imageId(c.image), containerID: containerId(pod, c.name, 0), ready: true, started: true, restartCount: 0, state: { running: { startedAt: rt.startedAt } }, lastState: {} },
        ),
      };
    }

    if (runsToCompletion) {
      rt.finishedAt ??= nowTimestamp();
      return {
        phase: 'Succeeded',
        conditions: [
          condition('PodReadyToStartContainers', 'False', rt.finishedAt),
          initialized,
          condition('Ready', 'False', rt.finishedAt, 'PodCompleted'),
          condition('ContainersReady', 'False', rt.finishedAt, 'PodCompleted'),
          scheduled,
        ],
        ...base,
        containerStatuses: containers.map((c) => terminatedStatus(pod, c, { code: 0, reason: 'Completed' }, rt.startedAt, rt.finishedAt)),
      };
    }

    return {
      phase: 'Running',
      conditions: [
        condition('PodReadyToStartContainers', 'True', rt.startedAt),
        initialized,
        condition('Ready', 'True', rt.startedAt),
        condition('ContainersReady', 'True', rt.startedAt),
        scheduled,
      ],
      ...base,
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: imageId(c.image),
        containerID: containerId(pod, c.name, 0),
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: rt.startedAt } },
        lastState: {},
      })),
    };
  }

  /** Container output for the logs endpoint; undefined when the container never started. */
  logs(pod: KubeObject, container: string): string | undefined {
    const fault = podFault(pod);
    if (fault?.fault === 'ImagePullBackOff' || fault?.fault === 'Unschedulable') return undefined;
    const rt = this.runtimes.get(pod.metadata.uid!);
    if (!rt?.startedAt) return undefined;
    if (fault?.fault === 'CrashLoopBackOff' && (fault.container ?? pod.spec?.containers?.[0]?.name) === container) {
      return (
        pod.metadata.annotations?.[CRASH_LOG_ANNOTATION] ??
        `starting ${container}\nloading configuration from /etc/${container}/config.yml\npanic: simulated crash (kube-sim CrashLoopBackOff)\n`
      );
    }
    return pod.metadata.annotations?.[LOG_ANNOTATION] ?? `${rt.startedAt} ${container} started (kube-sim)\n${rt.startedAt} ${container} ready\n`;
  }
}
