import * as core from '@actions/core';
import { formatSeconds, log } from '../report/log.js';
import { cancellableSleep, isCancelled, onCancel, RunCancelledError, remainingMs } from '../run/cancel.js';
import { currentPhase, onPhaseEntered } from '../run/phase.js';
import { isUnsupported, KubeApi } from './api-client.js';
import { type ClusterAccess, Kubectl, WriteConflictError } from './kubectl.js';
import { LOCK_ANNOTATIONS, type RunIdentity } from './lock-holder.js';
import type { KubeObject } from './manifests.js';

/**
 * One release, one holder: a coordination.k8s.io/v1 Lease per release, in its namespace, held the
 * way client-go's leader election holds one (k8s.io/client-go, tools/leaderelection/
 * leaderelection.go and resourcelock/leaselock.go, master of 2026-07):
 * - taken with a create, or a replace carrying the resourceVersion read (optimistic concurrency:
 *   of two runs, one write wins and the other gets 409 and reads again);
 * - renewed (renewTime) every third of leaseDurationSeconds while the run works;
 * - a hold counts as expired when the record has not changed for a whole leaseDurationSeconds by
 *   the observer's own clock (client-go's observedTime rule, which tolerates clock skew), or when
 *   its renewTime is older than twice leaseDurationSeconds by the observer's clock (a hold left
 *   long before this run started; the second duration absorbs that much skew between runners);
 * - released by writing an empty holderIdentity (client-go's tryRelease), at the end, on a cancel
 *   (bounded by the time left), and by the post step when the main step could not.
 * A deploy takes it before its first write to the release; a pending release is "stuck" only once
 * this run holds the Lease, so its holder has ended or its hold expired.
 */

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  metadata: KubeObject['metadata'] & { resourceVersion?: string; annotations?: Record<string, string> };
  spec?: LeaseSpec;
}

export interface LockSettings {
  release: string;
  namespace: string;
  /** leaseDurationSeconds this run writes. */
  leaseSeconds: number;
  /** lock-wait: how long to wait for a live holder (0: not at all). */
  waitMs: number;
}

const LEASE_RESOURCE = 'leases.coordination.k8s.io';
/** client-go's RetryPeriod default: how often a waiting run reads the Lease again. */
const RETRY_PERIOD_MS = 2_000;
/** How often a waiting run says it still waits. */
const PROGRESS_EVERY_MS = 30_000;
const RELEASE_TIMEOUT_MS = 5_000;
/** After a cancel, what the release must leave of the time left: the stopped-run report reads the release state (src/report/stopped.ts). */
const STOPPED_REPORT_RESERVE_MS = 1_500;
/** State key: the hold the post step releases when the main step could not. */
export const STATE_RELEASE_LOCK = 'release-lock';

export function leaseName(release: string): string {
  return `harbor-tke-action.${release}`;
}

/** Who held the release before this run took it: what the stuck-release message says of a pending release. */
export type PreviousHold =
  /** No Lease: no run of this action (of a version with the lock) has held the release. */
  | { kind: 'none' }
  /** The last holder let go (its run ended). */
  | { kind: 'released'; by?: string; url?: string }
  /** Its holder stopped renewing it, and it expired. */
  | { kind: 'expired'; holder: string; url?: string; renewTime?: string; doing?: string };

export interface HeldRelease {
  previous: PreviousHold;
  /** How long this run waited for another holder. */
  waitedMs: number;
  /**
   * Taken unchanged since the first look (observe()), before which nobody held it: a release
   * read after that look is still what the release is. Otherwise the release must be read again.
   */
  unchangedSinceObserved: boolean;
  /** What the wait was, for the summary (undefined when the Lease was free). */
  note?: string;
}

/** The holder a run found alive: it waited `lock-wait` and gave up, having changed nothing. */
export class ReleaseHeldError extends Error {
  constructor(
    message: string,
    readonly holder: string,
    readonly url: string | undefined,
  ) {
    super(message);
    this.name = 'ReleaseHeldError';
  }
}

/** This run's hold was taken over by another run (its renewals did not reach the API server in time). */
export class LockLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockLostError';
  }
}

/** A Lease time (metav1.MicroTime): RFC 3339 with exactly six fractional digits, as the API server parses it. */
export function microTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A Lease time as a person reads it (to the second, UTC). */
export function utc(time: string | undefined): string {
  const ms = Date.parse(time ?? '');
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC` : 'an unknown time';
}

/** How long ago `time` was by this runner's clock (never negative: the writer's clock may run ahead). */
function ago(time: string | undefined): string {
  const ms = Date.parse(time ?? '');
  return Number.isFinite(ms) ? `${Math.max(0, Math.round((Date.now() - ms) / 1000))} s ago` : 'at an unknown time';
}

function describeHolder(spec: LeaseSpec, annotations: Record<string, string> | undefined): string {
  const url = annotations?.[LOCK_ANNOTATIONS.runUrl];
  return `${spec.holderIdentity}${url ? ` (${url})` : ''}`;
}

type View = { lease: Lease | undefined; at: number } | { error: unknown };

export class ReleaseLock {
  readonly name: string;
  private first?: Promise<View>;
  /** The Lease as this run last wrote it, while it holds it. */
  private lease?: Lease;
  private heldAt = 0;
  private lostTo?: string;
  private renewTimer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private failingSince?: number;
  private releasing = false;
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly kubectl: Kubectl,
    private readonly settings: LockSettings,
    private readonly me: RunIdentity,
  ) {
    this.name = leaseName(settings.release);
  }

  private get renewEveryMs(): number {
    return (this.settings.leaseSeconds * 1000) / 3;
  }

  private describe(): string {
    return `release ${this.settings.release} (Lease ${this.settings.namespace}/${this.name})`;
  }

  /**
   * Reads the Lease once, now, before the release itself is read: when the Lease is then taken with
   * that very resourceVersion, nobody held the release in between, and the read stands. Errors
   * wait for acquire(): a missing permission is the preflight's to report.
   */
  observe(): Promise<void> {
    this.first = this.read().catch((error: unknown) => ({ error }));
    return this.first.then(() => undefined);
  }

  private async read(): Promise<{ lease: Lease | undefined; at: number }> {
    const lease = await this.kubectl.get<Lease>(LEASE_RESOURCE, this.name, this.settings.namespace, { rawStdout: true, timeoutMs: 30_000 });
    return { lease, at: performance.now() };
  }

  /** Takes the Lease, waiting up to lock-wait for a live holder; ReleaseHeldError when it does not end in time. */
  async acquire(): Promise<HeldRelease> {
    const started = performance.now();
    const deadline = started + this.settings.waitMs;
    let unchanged = this.first !== undefined;
    let view: View = this.first ? await this.first : await this.read();
    // client-go's observedRecord / observedTime: the holder's record, and when this run saw it change.
    let observed: { record: string; at: number } | undefined;
    let reported: { holder?: string; label?: string; doing?: string } = {};
    let lastProgress = started;
    for (;;) {
      if ('error' in view) throw view.error;
      const lease = view.lease;
      const spec = lease?.spec ?? {};
      const record = JSON.stringify(spec);
      if (observed?.record !== record) observed = { record, at: view.at };
      const holder = spec.holderIdentity;
      const live = holder && holder !== this.me.identity && !this.expired(spec, observed.at);
      if (!live) {
        const previous: PreviousHold = !lease
          ? { kind: 'none' }
          : holder && holder !== this.me.identity
            ? { kind: 'expired', holder, url: lease.metadata.annotations?.[LOCK_ANNOTATIONS.runUrl], renewTime: spec.renewTime, doing: lease.metadata.annotations?.[LOCK_ANNOTATIONS.doing] }
            : { kind: 'released', by: lease.metadata.annotations?.[LOCK_ANNOTATIONS.lastHolder], url: lease.metadata.annotations?.[LOCK_ANNOTATIONS.runUrl] };
        // Recorded before the write: if the run is stopped while the write is under way, the post step finds out whether it took.
        this.record();
        try {
          this.lease = lease ? await this.kubectl.replace(this.taken(lease)) : await this.kubectl.create(this.created());
        } catch (error) {
          if (!(error instanceof WriteConflictError)) throw error;
          core.saveState(STATE_RELEASE_LOCK, '');
          // Another run wrote first: read what it wrote, and decide again.
          log.info(`Another run wrote ${this.describe()} first (${error.reason}): reading it again`);
          unchanged = false;
          view = await this.read();
          continue;
        }
        const waitedMs = performance.now() - started;
        this.held(previous);
        const note = this.tookNote(previous, reported.label, waitedMs);
        if (note) log.info(note);
        return { previous, waitedMs, unchangedSinceObserved: unchanged, note };
      }
      unchanged = false;
      const annotations = lease!.metadata.annotations;
      const doing = annotations?.[LOCK_ANNOTATIONS.doing];
      const now = performance.now();
      if (reported.holder !== holder) {
        log.info(
          `${this.describe()} is held by another run: ${describeHolder(spec, annotations)}, since ${utc(spec.acquireTime)} (${ago(spec.acquireTime)}), ` +
            `doing: ${doing ?? 'unknown'}; it renewed its hold ${ago(spec.renewTime)}. ` +
            (this.settings.waitMs > 0 ? `Waiting up to ${formatSeconds(this.settings.waitMs)} (lock-wait) for it to end.` : 'lock-wait is 0: not waiting.'),
        );
        reported = { holder, label: describeHolder(spec, annotations), doing };
        lastProgress = now;
      } else if (reported.doing !== doing) {
        log.info(`The holder of ${this.describe()} is now doing: ${doing ?? 'unknown'} (waited ${formatSeconds(now - started)})`);
        reported.doing = doing;
      } else if (now - lastProgress >= PROGRESS_EVERY_MS) {
        log.info(`Still held by ${holder} (doing: ${doing ?? 'unknown'}): waited ${formatSeconds(now - started)} of ${formatSeconds(this.settings.waitMs)}`);
        lastProgress = now;
      }
      if (now >= deadline) throw this.heldError(lease!, observed.at, now - started);
      await cancellableSleep(Math.min(RETRY_PERIOD_MS, this.renewEveryMs, Math.max(0, deadline - now)));
      view = await this.read();
    }
  }

  /** client-go's isLeaseValid, inverted, with the wall-clock rule for holds left long ago (see the module comment). */
  private expired(spec: LeaseSpec, observedAt: number): boolean {
    const durationMs = Math.max(1, spec.leaseDurationSeconds ?? 0) * 1000;
    if (performance.now() - observedAt >= durationMs) return true;
    const renewed = Date.parse(spec.renewTime ?? '');
    return Number.isFinite(renewed) && Date.now() - renewed > 2 * durationMs;
  }

  /** When a hold seen unchanged since `observedAt` expires if it stays so (ms from now). */
  private expiresInMs(spec: LeaseSpec, observedAt: number): number {
    const durationMs = Math.max(1, spec.leaseDurationSeconds ?? 0) * 1000;
    const byObservation = observedAt + durationMs - performance.now();
    const renewed = Date.parse(spec.renewTime ?? '');
    const byClock = Number.isFinite(renewed) ? renewed + 2 * durationMs - Date.now() : Infinity;
    return Math.max(0, Math.min(byObservation, byClock));
  }

  private heldError(lease: Lease, observedAt: number, waitedMs: number): ReleaseHeldError {
    const spec = lease.spec ?? {};
    const annotations = lease.metadata.annotations;
    const silentMs = performance.now() - observedAt;
    const renewEveryMs = (Math.max(1, spec.leaseDurationSeconds ?? 0) * 1000) / 3;
    const waited = this.settings.waitMs > 0 ? `This run waited ${formatSeconds(waitedMs)} (lock-wait) and changed nothing` : 'This run did not wait (lock-wait: 0) and changed nothing';
    // Unchanged for longer than two renewals: its run has likely died, and the hold runs out soon.
    const silence =
      silentMs > 2 * renewEveryMs
        ? ` Its hold has not been renewed for ${formatSeconds(silentMs)}: if its run has died, the hold expires within ${formatSeconds(this.expiresInMs(spec, observedAt))}, and a run after that recovers the release (stuck-release: rollback for a pending one).`
        : '';
    return new ReleaseHeldError(
      `release ${this.settings.release} is held by another run that is still working on it: ${describeHolder(spec, annotations)}, since ${utc(spec.acquireTime)}, ` +
        `doing: ${annotations?.[LOCK_ANNOTATIONS.doing] ?? 'unknown'}; it renewed its hold ${ago(spec.renewTime)} (Lease ${this.settings.namespace}/${this.name}). ` +
        `${waited}: a release whose holder is alive is never rolled back or upgraded, whatever stuck-release says. ` +
        `Re-run when that run has ended, or give lock-wait more time.${silence}`,
      spec.holderIdentity ?? '',
      annotations?.[LOCK_ANNOTATIONS.runUrl],
    );
  }

  private tookNote(previous: PreviousHold, waitedFor: string | undefined, waitedMs: number): string | undefined {
    const waited = waitedMs >= 1000 ? ` after waiting ${formatSeconds(waitedMs)}` : '';
    if (previous.kind === 'expired') {
      const holder = describeHolder({ holderIdentity: previous.holder }, previous.url ? { [LOCK_ANNOTATIONS.runUrl]: previous.url } : undefined);
      const doing = previous.doing ? ` (doing: ${previous.doing})` : '';
      return `The hold of ${holder} on release ${this.settings.release} expired: it was last renewed at ${utc(previous.renewTime)}${doing}, and its run was killed or lost its runner. This run took the release${waited}.`;
    }
    if (waitedFor) return `${waitedFor} let go of release ${this.settings.release}: this run took it${waited}.`;
    return undefined;
  }

  private annotations(existing: Record<string, string> | undefined): Record<string, string> {
    const annotations: Record<string, string> = { ...existing, [LOCK_ANNOTATIONS.doing]: currentPhase() };
    if (this.me.url) annotations[LOCK_ANNOTATIONS.runUrl] = this.me.url;
    else delete annotations[LOCK_ANNOTATIONS.runUrl];
    return annotations;
  }

  private created(): Lease {
    const now = microTime();
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.settings.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'harbor-tke-action', release: this.settings.release },
        annotations: this.annotations(undefined),
      },
      spec: { holderIdentity: this.me.identity, leaseDurationSeconds: this.settings.leaseSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
    };
  }

  /** The Lease as this run takes it over (client-go: a new holder counts one more transition). */
  private taken(lease: Lease): Lease {
    const now = microTime();
    const spec = lease.spec ?? {};
    const transitions = (spec.leaseTransitions ?? 0) + (spec.holderIdentity === this.me.identity ? 0 : 1);
    return {
      ...lease,
      metadata: { ...lease.metadata, annotations: this.annotations(lease.metadata.annotations) },
      spec: { holderIdentity: this.me.identity, leaseDurationSeconds: this.settings.leaseSeconds, acquireTime: now, renewTime: now, leaseTransitions: transitions },
    };
  }

  /** What the post step needs to release this run's hold (it releases only a Lease that names this run). */
  private record(): void {
    const { kubectlPath, kubeconfig, context } = this.kubectl.access;
    const recorded: RecordedHold = { release: this.settings.release, namespace: this.settings.namespace, name: this.name, identity: this.me.identity, leaseSeconds: this.settings.leaseSeconds, access: { kubectlPath, kubeconfig, context } };
    core.saveState(STATE_RELEASE_LOCK, JSON.stringify(recorded));
  }

  private held(previous: PreviousHold): void {
    this.heldAt = performance.now();
    log.info(
      `This run holds ${this.describe()} as ${this.me.identity}${previous.kind === 'none' ? ' (created)' : ''}; it renews it every ${formatSeconds(this.renewEveryMs)} (leaseDurationSeconds ${this.settings.leaseSeconds})`,
    );
    this.scheduleRenewal(this.renewEveryMs);
    this.stops.push(onPhaseEntered(() => this.renewSoon()));
    this.stops.push(onCancel(() => clearTimeout(this.renewTimer)));
  }

  private scheduleRenewal(delayMs: number): void {
    clearTimeout(this.renewTimer);
    if (isCancelled() || this.releasing || !this.lease) return;
    this.renewTimer = setTimeout(() => this.renewSoon(), delayMs);
    this.renewTimer.unref();
  }

  /** Renews now (after the write in flight): on a timer, and at each new phase so that waiting runs see what this one does. */
  private renewSoon(): void {
    this.writing = this.writing.then(() => this.renew());
  }

  private async renew(): Promise<void> {
    if (!this.lease || this.lostTo || this.releasing || isCancelled()) return;
    let next: number = this.renewEveryMs;
    try {
      this.lease = await this.writeRenewal(this.lease);
      if (this.failingSince !== undefined) log.info(`Renewed ${this.describe()} again after ${formatSeconds(performance.now() - this.failingSince)} of failed renewals`);
      this.failingSince = undefined;
    } catch (error) {
      if (error instanceof RunCancelledError) return;
      if (error instanceof LockLostError) {
        this.lostTo = error.message;
        log.error(error.message);
        return;
      }
      if (this.failingSince === undefined) {
        this.failingSince = performance.now();
        log.warning(
          `Could not renew ${this.describe()}: ${error instanceof Error ? error.message : String(error)}. Retrying; if it is not renewed within ${this.settings.leaseSeconds} s of the last renewal, another run may take the release.`,
          'release lock',
        );
      }
      next = Math.min(RETRY_PERIOD_MS, this.renewEveryMs);
    }
    this.scheduleRenewal(next);
  }

  private async writeRenewal(lease: Lease): Promise<Lease> {
    const renewed = (from: Lease): Lease => ({ ...from, metadata: { ...from.metadata, annotations: this.annotations(from.metadata.annotations) }, spec: { ...from.spec, renewTime: microTime() } });
    try {
      return await this.kubectl.replace(renewed(lease), { timeoutMs: this.renewEveryMs });
    } catch (error) {
      if (!(error instanceof WriteConflictError)) throw error;
      // Changed since this run wrote it: still this run's (a renewal whose answer was lost), or taken.
      const { lease: current } = await this.read();
      const holder = current?.spec?.holderIdentity;
      if (current && holder === this.me.identity) return this.kubectl.replace(renewed(current), { timeoutMs: this.renewEveryMs });
      throw new LockLostError(
        `This run lost its hold on ${this.describe()}: ${holder ? `${holder} took it` : 'it was released by someone else'} after this run's renewals did not reach the API server for ${this.settings.leaseSeconds} s.`,
      );
    }
  }

  /** Before a write to the release (helm upgrade, rollback): refuses it when another run has taken over. */
  assertHeld(): void {
    if (this.lostTo) throw new LockLostError(`${this.lostTo} Nothing more was changed by this run; the run that holds the release now carries on.`);
  }

  /** Whether another run took over while this one held the release (its message), for the end of the run. */
  lost(): string | undefined {
    return this.lostTo;
  }

  /**
   * Lets go of the release: at the end of the run, also when it failed or was cancelled (then
   * bounded by the time left). What it cannot release, the post step releases.
   */
  async release(): Promise<void> {
    this.releasing = true;
    clearTimeout(this.renewTimer);
    for (const stop of this.stops.splice(0)) stop();
    await this.writing.catch(() => undefined);
    const lease = this.lease;
    this.lease = undefined;
    if (!lease || this.lostTo) {
      if (this.lostTo) core.saveState(STATE_RELEASE_LOCK, '');
      return;
    }
    const timeoutMs = isCancelled() ? Math.min(RELEASE_TIMEOUT_MS, remainingMs() - STOPPED_REPORT_RESERVE_MS) : RELEASE_TIMEOUT_MS;
    if (timeoutMs < 200) {
      log.warning(`No time left to release ${this.describe()}: the post step releases it, or it expires ${this.settings.leaseSeconds} s after its last renewal.`, 'release lock');
      return;
    }
    try {
      const outcome = await releaseLease(this.kubectl, lease, this.me.identity, { timeoutMs, evenIfCancelled: true });
      core.saveState(STATE_RELEASE_LOCK, '');
      if (outcome === 'released') log.info(`Released ${this.describe()} after holding it ${formatSeconds(performance.now() - this.heldAt)}`);
      else log.warning(`${this.describe()} was no longer this run's to release: left as it is.`, 'release lock');
    } catch (error) {
      log.warning(
        `Could not release ${this.describe()} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): the post step tries again, and otherwise it expires ${this.settings.leaseSeconds} s after its last renewal.`,
        'release lock',
      );
    }
  }
}

/**
 * client-go's tryRelease: an empty holderIdentity and leaseDurationSeconds 1, with the
 * resourceVersion read. Only a Lease this run holds; on a conflict it reads it again once.
 */
export async function releaseLease(kubectl: Kubectl, lease: Lease, identity: string, options: { timeoutMs: number; evenIfCancelled?: boolean }): Promise<'released' | 'not ours'> {
  let current: Lease | undefined = lease;
  for (let attempt = 0; ; attempt++) {
    if (!current || current.spec?.holderIdentity !== identity) return 'not ours';
    const now = microTime();
    const annotations: Record<string, string> = { ...current.metadata.annotations, [LOCK_ANNOTATIONS.lastHolder]: identity };
    delete annotations[LOCK_ANNOTATIONS.doing];
    const released: Lease = {
      ...current,
      metadata: { ...current.metadata, annotations },
      spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: current.spec.leaseTransitions ?? 0 },
    };
    try {
      await kubectl.replace(released, options);
      return 'released';
    } catch (error) {
      if (!(error instanceof WriteConflictError) || attempt > 0) throw error;
      current = await kubectl.get<Lease>(LEASE_RESOURCE, lease.metadata.name, lease.metadata.namespace, { rawStdout: true, timeoutMs: options.timeoutMs, evenIfCancelled: options.evenIfCancelled });
    }
  }
}

/** What the main step records for the post step: enough to find the Lease and prove it is this run's. */
interface RecordedHold {
  release: string;
  namespace: string;
  name: string;
  identity: string;
  leaseSeconds: number;
  access: ClusterAccess;
}

const POST_STEP_TIMEOUT_MS = 15_000;

/**
 * The post step: releases a hold the main step could not (it was killed, or ran out of time after
 * a cancel). Only when the Lease still names this run as its holder; a failure is a warning, since
 * the hold expires by itself.
 */
export async function releaseLeftHold(): Promise<void> {
  const recorded = core.getState(STATE_RELEASE_LOCK);
  if (!recorded) return;
  const hold = JSON.parse(recorded) as RecordedHold;
  const client = KubeApi.fromKubeconfig(hold.access.kubeconfig, hold.access.context);
  const api = isUnsupported(client) ? undefined : client;
  const kubectl = new Kubectl(hold.access, api);
  const what = `release ${hold.release} (Lease ${hold.namespace}/${hold.name})`;
  try {
    const lease = await kubectl.get<Lease>(LEASE_RESOURCE, hold.name, hold.namespace, { rawStdout: true, timeoutMs: POST_STEP_TIMEOUT_MS });
    const outcome = lease ? await releaseLease(kubectl, lease, hold.identity, { timeoutMs: POST_STEP_TIMEOUT_MS }) : 'not ours';
    if (outcome === 'released') core.info(`Released the hold on ${what} that the main step left when it was stopped`);
    else core.info(`The hold on ${what} is no longer this run's: left as it is`);
  } catch (error) {
    core.warning(`Could not release the hold on ${what} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): it expires ${hold.leaseSeconds} s after its last renewal.`);
  } finally {
    api?.close();
  }
}
