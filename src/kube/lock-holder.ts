import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who a run is, as another run reads it in the release's Lease: the holderIdentity and the link to
 * the run. A second run logs it while it waits, and names it when it gives up.
 */
export interface RunIdentity {
  /**
   * Unique to this run: the legs of a matrix job share every GITHUB_* value, so a random suffix
   * tells them apart (client-go's leader election likewise appends a UUID to the host name).
   */
  identity: string;
  /** The run's page, when the GITHUB_* variables say where it is. */
  url?: string;
}

/** Annotations on the Lease beside its spec: what the holder does, and who held it last. */
export const LOCK_ANNOTATIONS = {
  runUrl: 'harbor-tke-action/run-url',
  doing: 'harbor-tke-action/doing',
  lastHolder: 'harbor-tke-action/last-holder',
} as const;

/** holderIdentity has no length limit of its own; a workflow name is kept readable, not whole. */
const MAX_WORKFLOW_NAME = 80;

export function thisRun(env: NodeJS.ProcessEnv = process.env): RunIdentity {
  const suffix = randomBytes(3).toString('hex');
  const repository = env.GITHUB_REPOSITORY;
  const runId = env.GITHUB_RUN_ID;
  if (!repository || !runId) return { identity: `${hostname()} pid ${process.pid} [${suffix}]` };
  const attempt = env.GITHUB_RUN_ATTEMPT || '1';
  const workflow = env.GITHUB_WORKFLOW ? `workflow "${env.GITHUB_WORKFLOW.slice(0, MAX_WORKFLOW_NAME)}"` : undefined;
  const parts = [repository, workflow, `run ${runId} attempt ${attempt}`, env.GITHUB_JOB ? `job ${env.GITHUB_JOB}` : undefined];
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/$/, '');
  return { identity: `${parts.filter(Boolean).join(', ')} [${suffix}]`, url: `${server}/${repository}/actions/runs/${runId}/attempts/${attempt}` };
}
