/** core/v1 Events as the kubelet and controllers record them, deduplicated with a count. */
import { nowTimestamp, type Store } from './store.js';
import type { ResourceRegistry } from './resources.js';
import type { KubeObject } from './types.js';

const REPEAT_INTERVAL_MS = 5000;

export class EventRecorder {
  private readonly seen = new Map<string, { name: string; namespace: string; at: number }>();
  private lastNanos = 0n;

  constructor(
    private readonly store: Store,
    private readonly registry: ResourceRegistry,
  ) {}

  record(involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string, fieldPath?: string): void {
    const eventType = this.registry.byKind('v1', 'Event')!;
    const namespace = involved.metadata.namespace ?? 'default';
    const key = `${involved.metadata.uid}|${reason}|${message}`;
    const previous = this.seen.get(key);
    const now = Date.now();
    if (previous) {
      if (now - previous.at < REPEAT_INTERVAL_MS) return;
      const existing = this.store.get(eventType, previous.namespace, previous.name);
      if (existing) {
        previous.at = now;
        existing.count = (existing.count ?? 1) + 1;
        existing.lastTimestamp = nowTimestamp();
        this.store.update(eventType, existing);
        return;
      }
    }
    // Like the event recorder: the name ends in the creation time in hex nanoseconds, so names sort by time.
    const nanos = BigInt(now) * 1_000_000n;
    this.lastNanos = nanos > this.lastNanos ? nanos : this.lastNanos + 1n;
    const name = `${involved.metadata.name}.${this.lastNanos.toString(16)}`;
    const stamp = nowTimestamp();
    try {
      this.store.create(eventType, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          name: involved.metadata.name,
          namespace: involved.metadata.namespace,
          uid: involved.metadata.uid,
          resourceVersion: involved.metadata.resourceVersion,
          ...(fieldPath ? { fieldPath } : {}),
        },
        reason,
        message,
        source: { component, ...(component === 'kubelet' ? { host: 'kube-sim-node' } : {}) },
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: component === 'kubelet' ? 'kube-sim-node' : '',
      });
      this.seen.set(key, { name, namespace, at: now });
    } catch {
      // The namespace is going away: events for it are dropped, as on a real cluster.
    }
  }
}
