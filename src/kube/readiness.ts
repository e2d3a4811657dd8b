import { formatSeconds, log } from '../report/log.js';
import type { StreamingTool } from '../tools/exec.js';
import { diagnose, podInTrouble, type Diagnosis, type PodFields } from './diagnose.js';
import type { Kubectl } from './kubectl.js';
import type { KubeObject } from './manifests.js';
import { releaseSelector, workloadState, type Workload, type WorkloadState } from './workloads.js';

/**
 * Follows the release's Deployments and StatefulSets with a watch while helm upgrades and waits,
 * logging each component as it becomes ready. A workload this upgrade changed counts once it is
 * ready at its new generation; one it left alone, once helm has applied everything. It also
 * follows the release's pods: the moment one is in trouble (crash loop, image pull, unschedulable)
 * it takes a diagnosis, with logs, because helm's rollback on failure deletes those pods.
 */
export interface ReadinessTimes {
  /** Component → ms from the start of the watch until it was ready. */
  ready: Map<string, number>;
  /** Components the upgrade did not change (ready before and after). */
  unchanged: string[];
}

const DIAGNOSIS_DELAY_MS = 5_000;
const DIAGNOSIS_INTERVAL_MS = 5_000;

export class ReadinessWatch {
  private readonly baseline = new Map<string, number>();
  private readonly latest = new Map<string, KubeObject>();
  private readonly readyAt = new Map<string, number>();
  private readonly unchanged = new Set<string>();
  private readonly progressShown = new Map<string, string>();
  private readonly watchers: StreamingTool[] = [];
  /** Every release pod seen, in its last state; deleted ones are kept as evidence. */
  private readonly pods = new Map<string, PodFields>();
  /** Components whose pods were seen in trouble, with the workload's state at that moment. */
  private readonly troubled = new Map<string, WorkloadState | undefined>();
  /** Bumped whenever a pod shows trouble; a diagnosis records the value it started at. */
  private troubleSeen = 0;
  private diagnosedAt = -1;
  private diagnosisRunning?: Promise<void>;
  private readonly started = performance.now();
  private helmApplied = false;
  private stopped = false;
  private diagnosisTimer?: NodeJS.Timeout;
  private allReadyResolve?: () => void;
  readonly allReady: Promise<void>;
  lastDiagnosis?: Diagnosis;

  constructor(
    private readonly kubectl: Kubectl,
    private readonly namespace: string,
    private readonly release: string,
    private readonly expected: Workload[],
  ) {
    this.allReady = new Promise((resolve) => (this.allReadyResolve = resolve));
  }

  /** Records the generations before helm runs, then starts the watches. */
  async start(): Promise<void> {
    const kinds = [...new Set(this.expected.map((w) => w.kind))];
    const lists = await Promise.all(kinds.map((kind) => this.kubectl.list(resourceOf(kind), this.namespace, releaseSelector(this.release))));
    for (const [index, kind] of kinds.entries()) {
      const list = { items: lists[index]! };
      for (const object of list.items) this.baseline.set(object.metadata.name, (object.metadata as { generation?: number }).generation ?? 0);
      this.watchers.push(this.kubectl.watch(resourceOf(kind), this.namespace, releaseSelector(this.release), (event) => this.onEvent(event.object)));
    }
    this.watchers.push(this.kubectl.watch('pods', this.namespace, releaseSelector(this.release), (event) => this.onPodEvent(event.object as unknown as PodFields)));
    this.diagnosisTimer = setInterval(() => void this.refreshDiagnosis(), DIAGNOSIS_INTERVAL_MS);
  }

  /** helm has applied every manifest: workloads it left alone count as ready when they are. */
  markHelmApplied(): void {
    this.helmApplied = true;
    for (const object of this.latest.values()) this.evaluate(object);
  }

  times(): ReadinessTimes {
    return { ready: new Map(this.readyAt), unchanged: [...this.unchanged] };
  }

  /** Workloads not ready now: not yet seen, or seen in a state that is not ready. */
  notReady(): { workload: Workload; state?: WorkloadState }[] {
    return this.expected
      .filter((w) => !this.readyAt.has(w.component))
      .map((workload) => {
        const object = this.latest.get(workload.name);
        return { workload, state: object ? workloadState(object) : undefined };
      })
      .filter(({ state }) => !state?.ready);
  }

  /**
   * What a failure diagnosis covers: workloads not ready, and those whose pods were in trouble
   * during this run even if ready now (helm's rollback makes a crash-looping one ready again).
   */
  private diagnosisTargets(): { workload: Workload; state?: WorkloadState }[] {
    const notReady = this.notReady();
    const recovered = this.expected
      .filter((w) => this.troubled.has(w.component) && !notReady.some((n) => n.workload === w))
      .map((workload) => ({ workload, state: this.troubled.get(workload.component) }));
    return [...notReady, ...recovered];
  }

  /** A diagnosis of what is not ready now, including pods seen in trouble and deleted since. */
  async diagnoseNow(): Promise<Diagnosis> {
    const startedAt = this.troubleSeen;
    const fresh = await diagnose(this.kubectl, this.namespace, this.release, this.diagnosisTargets(), { pods: [...this.pods.values()], earlier: this.lastDiagnosis });
    this.lastDiagnosis = fresh;
    this.diagnosedAt = startedAt;
    return fresh;
  }

  /**
   * The diagnosis for a failed helm run: the last one if it already covers every trouble the pod
   * watch saw, otherwise a new one (helm may have given up between two diagnoses).
   */
  async failureDiagnosis(): Promise<Diagnosis> {
    await this.diagnosisRunning;
    if (this.lastDiagnosis && this.diagnosedAt >= this.troubleSeen) return this.lastDiagnosis;
    return this.diagnoseNow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.diagnosisTimer);
    await this.diagnosisRunning;
    for (const watcher of this.watchers) watcher.stop();
    await Promise.all(this.watchers.map((w) => w.exited));
  }

  private elapsed(): number {
    return performance.now() - this.started;
  }

  private onPodEvent(pod: PodFields): void {
    if (this.stopped || !pod.metadata?.name) return;
    const before = this.pods.get(pod.metadata.name);
    this.pods.set(pod.metadata.name, pod);
    if (podInTrouble(pod) && JSON.stringify(troubleOf(before)) !== JSON.stringify(troubleOf(pod))) {
      const workload = this.expected.find((w) => w.component === pod.metadata.labels?.component);
      const object = workload && this.latest.get(workload.name);
      if (workload) this.troubled.set(workload.component, object ? workloadState(object) : undefined);
      this.troubleSeen++;
      void this.refreshDiagnosis(true);
    }
  }

  private onEvent(object: KubeObject): void {
    if (this.stopped || !this.expected.some((w) => w.name === object.metadata.name)) return;
    this.latest.set(object.metadata.name, object);
    this.evaluate(object);
  }

  private evaluate(object: KubeObject): void {
    const workload = this.expected.find((w) => w.name === object.metadata.name);
    if (!workload || this.readyAt.has(workload.component)) return;
    const state = workloadState(object);
    const generation = (object.metadata as { generation?: number }).generation ?? 0;
    const before = this.baseline.get(object.metadata.name);
    const changed = before === undefined || generation > before;
    if (state.ready && (changed || this.helmApplied)) {
      this.readyAt.set(workload.component, this.elapsed());
      if (changed) log.info(`✓ ${workload.component} ready after ${formatSeconds(this.elapsed())} (${workload.kind} ${workload.name})`);
      else {
        this.unchanged.add(workload.component);
        log.info(`✓ ${workload.component} unchanged and ready (${workload.kind} ${workload.name})`);
      }
      if (this.expected.every((w) => this.readyAt.has(w.component))) this.allReadyResolve?.();
      return;
    }
    const shown = state.failed ? `${state.progress}; ${state.failed}` : state.progress;
    if (changed && this.progressShown.get(workload.component) !== shown) {
      this.progressShown.set(workload.component, shown);
      log.info(`… ${workload.component}: ${shown} (${formatSeconds(this.elapsed())})`);
    }
  }

  /** Periodically after a delay (a slow rollout), or at once when a pod shows trouble. */
  private async refreshDiagnosis(troubleSeen = false): Promise<void> {
    if (this.stopped || this.diagnosisRunning || this.notReady().length === 0) return;
    if (!troubleSeen && this.elapsed() < DIAGNOSIS_DELAY_MS) return;
    // Only while helm still waits: after it gives up, its rollback replaces the evidence.
    let succeeded = false;
    this.diagnosisRunning = this.diagnoseNow().then(
      () => void (succeeded = true),
      (error: unknown) => log.debug(`diagnosis failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    await this.diagnosisRunning;
    this.diagnosisRunning = undefined;
    // Trouble seen while this one ran is not in it yet (after a failed one, the timer tries again).
    if (succeeded && this.diagnosedAt < this.troubleSeen) void this.refreshDiagnosis(true);
  }
}

/**
 * What changes the diagnosis: container waiting reasons, whether a container restarted, and
 * scheduling. Not each further restart: a crash loop would otherwise diagnose without a pause.
 */
function troubleOf(pod: PodFields | undefined): unknown {
  return [
    pod?.status?.containerStatuses?.map((c) => [c.state?.waiting?.reason, (c.restartCount ?? 0) > 0]),
    pod?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status,
  ];
}

function resourceOf(kind: Workload['kind']): string {
  return kind === 'Deployment' ? 'deployments.apps' : 'statefulsets.apps';
}
