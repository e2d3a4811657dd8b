/** Shapes shared by the simulator's modules. Objects are kept in their JSON form. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // Every kind carries its own fields; the simulator reads them loosely.
  [key: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface JournalEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  userAgent?: string;
  status: number;
  /** ISO time the request arrived. */
  time: string;
  /** True when the request changed the store (a created, updated or deleted object). */
  changedState: boolean;
  dryRun: boolean;
  watch: boolean;
}

export type FaultName = 'ImagePullBackOff' | 'CrashLoopBackOff' | 'Unschedulable' | 'PVCPending';
