/** Helpers shared by the workload controllers. */
import { createHash } from 'node:crypto';
import type { KubeObject } from './types.js';

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Key order and nulls do not matter: kubectl re-encodes templates in Go field order (rollout undo). */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Obj)[key] !== null && (value as Obj)[key] !== undefined)
        .map((key) => [key, canonical((value as Obj)[key])]),
    );
  }
  return value;
}

export function safeHash(value: unknown, length = 10): string {
  const digest = createHash('sha256').update(JSON.stringify(canonical(value))).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[digest[i]! % SAFE_ALPHABET.length];
  return out;
}

export function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += SAFE_ALPHABET[Math.floor(Math.random() * SAFE_ALPHABET.length)];
  return out;
}

export function ownerRef(owner: KubeObject): Obj {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}

export function ownedBy(object: KubeObject, owner: KubeObject): boolean {
  return (object.metadata.ownerReferences ?? []).some((ref) => ref.uid === owner.metadata.uid && ref.controller);
}

/** maxUnavailable / maxSurge: an int or a percentage of the replicas. */
export function scaledValue(value: unknown, replicas: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(String(value ?? ''));
  if (!match) return Number(value) || 0;
  const exact = (Number(match[1]) * replicas) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export function isReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');
}

/** Keeps transition times of conditions whose status did not change, so statuses stay stable. */
export function stableConditions(previous: Obj[] | undefined, next: Obj[]): Obj[] {
  return next.map((cond) => {
    const old = (previous ?? []).find((c) => c.type === cond.type);
    if (!old) return cond;
    const sameStatus = old.status === cond.status;
    const sameDetail = sameStatus && old.reason === cond.reason && old.message === cond.message;
    return {
      ...cond,
      ...(cond.lastTransitionTime !== undefined && sameStatus ? { lastTransitionTime: old.lastTransitionTime } : {}),
      ...(cond.lastUpdateTime !== undefined && sameDetail ? { lastUpdateTime: old.lastUpdateTime } : {}),
    };
  });
}

export function withoutZeros(status: Obj, keep: string[] = []): Obj {
  return Object.fromEntries(Object.entries(status).filter(([key, value]) => keep.includes(key) || (value !== 0 && value !== undefined)));
}

/** A workload's spec.selector (matchLabels + matchExpressions) against a pod's labels. */
export function selectorMatches(selector: Obj | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const actual = labels ?? {};
  for (const [key, value] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>)) if (actual[key] !== value) return false;
  for (const expr of (selector.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[]) {
    const value = actual[expr.key];
    if (expr.operator === 'In' && (value === undefined || !(expr.values ?? []).includes(value))) return false;
    if (expr.operator === 'NotIn' && value !== undefined && (expr.values ?? []).includes(value)) return false;
    if (expr.operator === 'Exists' && value === undefined) return false;
    if (expr.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}
