import { log } from '../report/log.js';
import { throwIfCancelled } from './cancel.js';

/**
 * What the run is doing now, in the words a user reads in the log: named by an error the action
 * did not expect and by the summary of a cancelled run. The modes enter a phase at each boundary;
 * entering one is also where a cancelled run stops before it starts new work.
 */
export const PHASE = {
  inputs: 'checking the inputs',
  cosPreflight: 'the COS preflight',
  tools: 'installing helm and kubectl',
  kubeconfig: 'getting the kubeconfig',
  cluster: 'reading the cluster and the release',
  objects: 'applying the Namespace, Secrets, volumes and routes',
  helmUpgrade: 'helm upgrade --install and the readiness wait',
  afterHelm: 'checking the deploy after helm',
  smokeTest: 'the smoke test',
  diff: 'comparing the release with the inputs (diff)',
  render: 'rendering the values and manifests',
  postStep: 'the post step (removing the run\'s files)',
} as const;

export type Phase = (typeof PHASE)[keyof typeof PHASE];

let current: Phase = PHASE.inputs;
const entered = new Set<Phase>([current]);
const listeners = new Set<(phase: Phase) => void>();

/**
 * Enters `phase`; throws RunCancelledError instead when the run was cancelled before it, unless
 * `evenIfCancelled` (a phase that only follows what already happened, such as helm's success).
 */
export function enterPhase(phase: Phase, options: { evenIfCancelled?: boolean } = {}): void {
  if (!options.evenIfCancelled) throwIfCancelled();
  current = phase;
  entered.add(phase);
  log.debug(`phase: ${phase}`);
  for (const listener of listeners) listener(phase);
}

/** Calls `listener` at each phase entered from now on (the release lock tells waiting runs what this one does); returns the unregistering function. */
export function onPhaseEntered(listener: (phase: Phase) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentPhase(): Phase {
  return current;
}

export function hasEntered(phase: Phase): boolean {
  return entered.has(phase);
}
