/** The scale and log subresources. */
import type { ServerResponse } from 'node:http';
import { badRequest } from './errors.js';
import type { PodSimulator } from './pods.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The autoscaling/v1 Scale view of a workload. */
export function scaleOf(object: KubeObject): object {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: object.metadata.name, namespace: object.metadata.namespace, uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion, creationTimestamp: object.metadata.creationTimestamp },
    spec: { replicas: object.spec?.replicas ?? 0 },
    status: { replicas: object.status?.replicas ?? 0, selector: Object.entries(object.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') },
  };
}

/** The container log as text/plain, honouring `container` and `tailLines`. */
export function sendLogs(pods: PodSimulator, pod: KubeObject, query: Record<string, string>, res: ServerResponse): void {
  const containers: string[] = (pod.spec?.containers ?? []).map((c: Obj) => c.name);
  let container = query.container;
  if (!container) {
    if (containers.length !== 1) {
      throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`);
    }
    container = containers[0]!;
  }
  if (!containers.includes(container)) throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
  const text = pods.logs(pod, container);
  if (text === undefined) {
    const waiting = (pod.status?.containerStatuses ?? []).find((c: Obj) => c.name === container)?.state?.waiting?.reason ?? 'ContainerCreating';
    throw badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${waiting === 'ContainerCreating' ? 'ContainerCreating' : 'trying and failing to pull image'}`);
  }
  let lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  if (query.tailLines !== undefined) {
    const tail = Number(query.tailLines);
    lines = tail >= 0 ? lines.slice(Math.max(0, lines.length - tail)) : lines;
  }
  const out = lines.length ? `${lines.join('\n')}\n` : '';
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(out) });
  res.end(out);
}
