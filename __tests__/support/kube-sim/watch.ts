/**
 * Watch streams: chunked JSON lines flushed per event. rv ""/"0" starts with ADDED for the current
 * state; rv N replays after N (410 Expired when too old); sendInitialEvents=true is a watch-list:
 * ADDED for all, then a BOOKMARK annotated k8s.io/initial-events-end.
 */
import type { ServerResponse } from 'node:http';
import type { ObjectFilter } from './selectors.js';
import type { Store, StoreEvent } from './store.js';
import { groupVersionOf, type ResourceType } from './resources.js';
import type { KubeObject } from './types.js';
import { typeKeyOf } from './store.js';

export interface WatchRequest {
  type: ResourceType;
  namespace?: string;
  filter: ObjectFilter;
  resourceVersion?: string;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
}

export class WatchHub {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly store: Store) {}

  serve(req: WatchRequest, res: ServerResponse, onClose: () => void): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    this.open.add(res);
    const send = (type: string, object: unknown) => {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const inScope = (object: KubeObject | undefined): boolean =>
      !!object && (!req.namespace || !req.type.namespaced || object.metadata.namespace === req.namespace) && req.filter(object);

    const deliver = (event: StoreEvent) => {
      if (event.typeKey !== typeKeyOf(req.type)) return;
      const now = inScope(event.object);
      const before = event.type !== 'ADDED' && inScope(event.previous);
      if (event.type === 'DELETED') {
        if (now || before) send('DELETED', event.object);
      } else if (event.type === 'ADDED') {
        if (now) send('ADDED', event.object);
      } else if (now && before) send('MODIFIED', event.object);
      else if (now) send('ADDED', event.object);
      else if (before) send('DELETED', event.object);
    };

    const rv = req.resourceVersion ?? '';
    const current = this.store.currentResourceVersion();
    if (req.sendInitialEvents || rv === '' || rv === '0') {
      for (const object of this.store.list(req.type, req.namespace, req.filter)) send('ADDED', object);
      if (req.sendInitialEvents && req.allowBookmarks) {
        send('BOOKMARK', {
          kind: req.type.kind,
          apiVersion: groupVersionOf(req.type),
          metadata: { resourceVersion: String(current), annotations: { 'k8s.io/initial-events-end': 'true' } },
        });
      }
    } else {
      const from = Number(rv);
      if (!Number.isFinite(from) || from < this.store.oldestReplayableVersion()) {
        send('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${rv} (${current})`, reason: 'Expired', code: 410 });
        this.open.delete(res);
        res.end();
        onClose();
        return;
      }
      for (const event of this.store.eventsAfter(typeKeyOf(req.type), from)) deliver(event);
    }

    const unsubscribe = this.store.subscribe(deliver);
    const timer = req.timeoutSeconds && req.timeoutSeconds > 0 ? setTimeout(() => finish(), req.timeoutSeconds * 1000) : undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      this.open.delete(res);
      if (!res.writableEnded) res.end();
      onClose();
    };
    res.on('close', finish);
  }

  closeAll(): void {
    for (const res of [...this.open]) res.end();
  }
}
