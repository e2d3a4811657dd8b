import { formatSeconds, log } from '../report/log.js';
import type { StreamingTool } from '../tools/exec.js';
import { diagnose, type Diagnosis } from './diagnose.js';
import type { Kubectl } from './kubectl.js';
import type { KubeObject } from './manifests.js';
import { releaseSelector, workloadState, type Workload, type WorkloadState } from './workloads.js';

/**
 * Follows the release's Deployments and StatefulSets with a watch while helm upgrades and waits,
 * logging each component as it becomes ready. A workload this upgrade changed counts once it is
 * ready at its new generation; one it left alone, once helm has applied everything. While some
 * are not ready it keeps a fresh diagnosis, because helm's rollback on failure erases the evidence.
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
  private readonly started = performance.now();
  private helmApplied = false;
  private stopped = false;
  private diagnosing = false;
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
    for (const kind of kinds) {
      const list = await this.kubectl.json<{ items: KubeObject[] }>(['get', resourceOf(kind), '-n', this.namespace, '-l', releaseSelector(this.release)]);
      for (const object of list.items) this.baseline.set(object.metadata.name, (object.metadata as { generation?: number }).generation ?? 0);
      this.watchers.push(this.kubectl.watch(resourceOf(kind), this.namespace, releaseSelector(this.release), (event) => this.onEvent(event.object)));
    }
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

  /** A diagnosis of what is not ready now (the last periodic one is kept in lastDiagnosis). */
  async diagnoseNow(): Promise<Diagnosis> {
    this.lastDiagnosis = await diagnose(this.kubectl, this.namespace, this.release, this.notReady());
    return this.lastDiagnosis;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.diagnosisTimer);
    for (const watcher of this.watchers) watcher.stop();
    await Promise.all(this.watchers.map((w) => w.exited));
  }

  private elapsed(): number {
    return performance.now() - this.started;
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

  private async refreshDiagnosis(): Promise<void> {
    if (this.stopped || this.diagnosing || this.elapsed() < DIAGNOSIS_DELAY_MS || this.notReady().length === 0) return;
    // Only while helm still waits: after it gives up, its rollback replaces the evidence.
    this.diagnosing = true;
    try {
      await this.diagnoseNow();
    } catch (error) {
      log.debug(`diagnosis failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.diagnosing = false;
    }
  }
}

function resourceOf(kind: Workload['kind']): string {
  return kind === 'Deployment' ? 'deployments.apps' : 'statefulsets.apps';
}
