import type { ClusterAccess } from '../kube/kubectl.js';
import { inGroup, log } from '../report/log.js';
import { HELM_GRACE_MS } from '../run/cancel.js';
import { runTool, ToolError, type ToolRunOptions, type ToolRunResult } from '../tools/exec.js';

export type HelmMajor = 3 | 4;

export interface ReleaseStatus {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  chartVersion?: string;
  appVersion?: string;
}

export interface ReleaseRevision {
  revision: number;
  status: string;
  chart: string;
  appVersion?: string;
  description?: string;
}

/** Statuses a release is left in when the helm that held it was killed (a cancelled workflow run). */
export const PENDING_STATUSES = ['pending-install', 'pending-upgrade', 'pending-rollback'];

/** What `helm upgrade` made: the new revision, and the manifest it applied (unredacted: for comparisons only). */
export interface UpgradedRelease {
  status: ReleaseStatus;
  manifest: string;
}

export interface UpgradeSettings {
  release: string;
  namespace: string;
  /** The fetched chart (a local package or directory): the same bytes every render read. */
  chartPath: string;
  valuesFile: string;
  timeoutMs: number;
  historyMax: number;
  rollbackOnFailure: boolean;
}

/**
 * `helm upgrade --install` flags for the Helm major in use. Helm 4 renamed --atomic to
 * --rollback-on-failure and made --wait take a strategy (without it, Helm 4 waits only for hooks);
 * --server-side=auto keeps the apply method a release was made with, so a release installed by
 * Helm 3 (client-side) is not switched under it.
 */
export function upgradeArgs(major: HelmMajor, settings: UpgradeSettings): string[] {
  const args = ['upgrade', '--install', settings.release, settings.chartPath, '--namespace', settings.namespace, '--values', settings.valuesFile];
  args.push('--timeout', `${Math.ceil(settings.timeoutMs / 1000)}s`, '--history-max', String(settings.historyMax));
  if (major === 4) {
    // --force-conflicts: the action owns the release; a live edit by another field manager is
    // drift that the deploy repairs, not a conflict that stops it.
    args.push('--wait=watcher', '--server-side=auto', '--force-conflicts');
    if (settings.rollbackOnFailure) args.push('--rollback-on-failure');
  } else {
    args.push('--wait');
    if (settings.rollbackOnFailure) args.push('--atomic');
  }
  return args;
}

export class Helm {
  constructor(
    readonly path: string,
    readonly major: HelmMajor,
    readonly access: ClusterAccess,
  ) {}

  run(args: string[], options?: ToolRunOptions): Promise<ToolRunResult> {
    return runTool(this.path, [...args, '--kubeconfig', this.access.kubeconfig, ...(this.access.context ? ['--kube-context', this.access.context] : [])], options);
  }

  /** The release's latest revision, or undefined when there is none (from history: Helm 3 and 4 agree on its JSON). */
  async status(release: string, namespace: string): Promise<ReleaseStatus | undefined> {
    const latest = (await this.history(release, namespace)).at(-1);
    if (!latest) return undefined;
    return {
      name: release,
      namespace,
      revision: latest.revision,
      status: latest.status,
      chartVersion: /-(v?\d+\.\d+\.\d+[^-]*)$/.exec(latest.chart)?.[1],
      appVersion: latest.appVersion,
    };
  }

  async history(release: string, namespace: string, options: Pick<ToolRunOptions, 'evenIfCancelled' | 'timeoutMs'> = {}): Promise<ReleaseRevision[]> {
    try {
      const { stdout } = await this.run(['history', release, '--namespace', namespace, '-o', 'json', '--max', '50'], { quietStdout: true, ...options });
      const entries = JSON.parse(stdout) as { revision: number; status: string; chart: string; app_version?: string; description?: string }[];
      return entries.map((entry) => ({ revision: entry.revision, status: entry.status, chart: entry.chart, appVersion: entry.app_version, description: entry.description }));
    } catch (error) {
      if (error instanceof ToolError && /release: not found/.test(error.stderr)) return [];
      throw error;
    }
  }

  /**
   * `helm upgrade --install`, answered with the release it made (`-o json`): its status and the
   * manifest it applied come with it, instead of two more helm calls across the link afterwards.
   */
  async upgrade(settings: UpgradeSettings): Promise<UpgradedRelease> {
    return inGroup(`helm upgrade --install ${settings.release}`, async () => {
      // On a cancel helm gets its SIGINT and the time to mark the release failed and roll back.
      const { stdout } = await this.run([...upgradeArgs(this.major, settings), '-o', 'json'], { rawStdout: true, cancelGraceMs: HELM_GRACE_MS });
      const release = JSON.parse(stdout) as { version: number; info?: { status?: string; description?: string; notes?: string }; chart?: { metadata?: { version?: string; appVersion?: string } }; manifest?: string };
      const status: ReleaseStatus = {
        name: settings.release,
        namespace: settings.namespace,
        revision: release.version,
        status: release.info?.status ?? 'unknown',
        chartVersion: release.chart?.metadata?.version,
        appVersion: release.chart?.metadata?.appVersion,
      };
      log.info(`Release ${settings.release} revision ${status.revision}: ${status.status}${release.info?.description ? ` (${release.info.description})` : ''}`);
      if (release.info?.notes?.trim()) log.info(release.info.notes.trimEnd());
      return { status, manifest: release.manifest ?? '' };
    });
  }

  rollback(release: string, namespace: string, revision: number, timeoutMs: number): Promise<ToolRunResult> {
    const wait = this.major === 4 ? ['--wait=watcher'] : ['--wait'];
    return this.run(['rollback', release, String(revision), '--namespace', namespace, ...wait, '--timeout', `${Math.ceil(timeoutMs / 1000)}s`], { group: `helm rollback ${release} ${revision}`, cancelGraceMs: HELM_GRACE_MS });
  }
}
