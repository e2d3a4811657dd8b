/** What every controller gets to work with. */
import type { EventRecorder } from './events.js';
import type { PodSimulator } from './pods.js';
import type { ResourceType } from './resources.js';
import type { Store } from './store.js';
import type { KubeObject } from './types.js';
import type { Obj } from './workload-utils.js';

export interface Kinds {
  namespace: ResourceType;
  pod: ResourceType;
  pvc: ResourceType;
  pv: ResourceType;
  deployment: ResourceType;
  replicaSet: ResourceType;
  statefulSet: ResourceType;
  job: ResourceType;
  daemonSet: ResourceType;
  pdb: ResourceType;
}

export interface PodExtras {
  labels?: Obj;
  volumes?: Obj[];
  hostname?: string;
}

export interface ControllerContext {
  store: Store;
  kinds: Kinds;
  recorder: EventRecorder;
  pods: PodSimulator;
  /** Runs a write whose failure (object gone, namespace terminating) the next tick will sort out. */
  safely(write: () => void): void;
  createPod(owner: KubeObject, name: string, template: Obj | undefined, faultAnnotation?: string, extra?: PodExtras): KubeObject | undefined;
}
