/**
 * A simulated Kubernetes API server for tests, accepted by the real helm (3 and 4) and kubectl.
 * See README.md in this folder for what it models and what it does not.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { ApiHandler, type AccessRule } from './api.js';
import { Controllers } from './controllers.js';
import { crdObject, establishedStatus, simulatedNode } from './seed-objects.js';
import { RequestFaults, type RequestFault } from './faults.js';
import { startSlowLink } from './slow-link.js';
import { writeKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
import { OpenApiCatalog } from './openapi.js';
import { DEFAULT_CRD_KINDS, ResourceRegistry, type CrdKind } from './resources.js';
import { Store } from './store.js';
import { selfSignedCertificate } from './tls.js';
import type { JournalEntry, KubeObject } from './types.js';
import { WatchHub } from './watch.js';

export { CRASH_LOG_ANNOTATION, FAULT_ANNOTATION } from './faults.js';
export { LOG_ANNOTATION } from './pods.js';
export type { JournalEntry, KubeObject, FaultName } from './types.js';
export type { RequestFault } from './faults.js';
export type { CrdKind } from './resources.js';
export type { AccessRule } from './api.js';
export type { KubeconfigOptions } from './kubeconfig.js';

export interface KubeSimOptions {
  /** Serve HTTPS with a self-signed certificate (kubeconfig gets insecure-skip-tls-verify). */
  tls?: boolean;
  /** Bearer token every request must carry. Needs `tls`: clients send no credentials over plain HTTP. */
  token?: string;
  /**
   * PEM of a CA whose client certificates authenticate requests, as kube-apiserver's
   * --client-ca-file (TKE's kubeconfigs carry such a certificate). Needs `tls`; with `token` too,
   * either credential is enough.
   */
  clientCaPem?: string;
  /** How long a healthy pod stays ContainerCreating before it is Running and Ready. Default 300. */
  podReadyDelayMs?: number;
  /** Controller loop period. Default 100. */
  tickMs?: number;
  /** CRD kinds served from the start. Default: VirtualService (networking.istio.io/v1beta1), HTTPRoute (gateway.networking.k8s.io/v1). */
  crdKinds?: CrdKind[];
  /** Namespaces present at start. Default: default, kube-system, kube-public. */
  namespaces?: string[];
  /** Access reviews (`kubectl auth can-i`) answered "no" for these attributes. */
  deniedAccess?: AccessRule[];
  /** Answer watch-list requests (sendInitialEvents=true) with 422, like a server without the WatchList feature: Helm 4 falls back to LIST + WATCH. */
  rejectWatchList?: boolean;
  /** Changes kept for watch replay; older resourceVersions get 410 Expired. Default 50000. */
  eventHistoryLimit?: number;
  /**
   * Round-trip time of a long link between the clients and the simulator (slow-link.ts): every
   * request pays it, a TLS handshake its own round trips, a watch event half of it. Default 0.
   */
  latencyMs?: number;
}

export interface KubeSim {
  url: string;
  /** PEM of the self-signed server certificate (with `tls`), to trust it instead of skipping verification. */
  caPem?: string;
  writeKubeconfig(dir: string, options?: KubeconfigOptions): string;
  /** Every request: method, path, query, contentType, status, time, changedState. */
  readonly journal: JournalEntry[];
  /** Non-GET, non-dryRun requests that changed the store. */
  writes(): JournalEntry[];
  injectRequestFault(fault: RequestFault): void;
  /** Changes podReadyDelayMs from now on, e.g. a slow rollout for one run (a cancelled one) and fast ones after. */
  setPodReadyDelay(ms: number): void;
  clearRequestFaults(): void;
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  /** Creates or replaces an object directly (no journal entry), e.g. to seed drift. */
  put(object: KubeObject): KubeObject;
  /** Deletes an object directly, as another actor on the cluster would. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): void;
  close(): Promise<void>;
}

export async function startKubeSim(options: KubeSimOptions = {}): Promise<KubeSim> {
  if ((options.token || options.clientCaPem) && !options.tls) throw new Error('kube-sim: a token or client CA needs tls: true (clients never send credentials over plain http)');
  const registry = new ResourceRegistry(options.crdKinds ?? DEFAULT_CRD_KINDS);
  const store = new Store(options.eventHistoryLimit);
  for (const type of registry.all()) store.register(type);
  const nsType = registry.byKind('v1', 'Namespace')!;
  for (const name of options.namespaces ?? ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    store.create(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  const nodeType = registry.byKind('v1', 'Node')!;
  const node = store.create(nodeType, simulatedNode());
  store.update(nodeType, { ...node, status: simulatedNode().status }, { subresource: 'status' });
  const crdType = registry.byKind('apiextensions.k8s.io/v1', 'CustomResourceDefinition')!;
  for (const crd of options.crdKinds ?? DEFAULT_CRD_KINDS) {
    const created = store.create(crdType, crdObject(crd));
    store.update(crdType, { ...created, status: establishedStatus(created) }, { subresource: 'status' });
  }
  const controllers = new Controllers(store, registry, { podReadyDelayMs: options.podReadyDelayMs ?? 300, tickMs: options.tickMs ?? 100 });
  const journal: JournalEntry[] = [];
  const faults = new RequestFaults();
  const watches = new WatchHub(store);
  let url = '';
  const handler = new ApiHandler({
    registry,
    store,
    openapi: new OpenApiCatalog(registry),
    watches,
    controllers,
    faults,
    journal,
    token: options.token,
    clientCertificates: !!options.clientCaPem,
    deniedAccess: options.deniedAccess ?? [],
    rejectWatchList: options.rejectWatchList ?? false,
    serverAddress: () => new URL(url).host,
  });
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void handler.handle(req, res);
  };
  const certificate = options.tls ? selfSignedCertificate() : undefined;
  // Asked for, not required at the handshake: a request without a valid one gets 401, as from kube-apiserver.
  const clientCertificates = options.clientCaPem ? { requestCert: true, rejectUnauthorized: false, ca: options.clientCaPem } : {};
  const server: Server = certificate ? createHttpsServer({ ...certificate, ...clientCertificates }, listener) : createHttpServer(listener);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const link = options.latencyMs ? await startSlowLink(server.address() as AddressInfo, options.latencyMs) : undefined;
  url = `${options.tls ? 'https' : 'http'}://${link?.address ?? `127.0.0.1:${(server.address() as AddressInfo).port}`}`;
  controllers.start();

  const typeOf = (apiVersion: string, kind: string) => {
    const type = registry.byKind(apiVersion, kind);
    if (!type) throw new Error(`kube-sim: unknown kind ${kind} in ${apiVersion}`);
    return type;
  };

  return {
    url,
    caPem: certificate?.cert,
    journal,
    writeKubeconfig: (dir, kubeconfigOptions) => writeKubeconfig(dir, url, certificate?.cert, options.token, kubeconfigOptions),
    writes: () => journal.filter((e) => e.method !== 'GET' && !e.dryRun && e.changedState),
    injectRequestFault: (fault) => faults.add(fault),
    clearRequestFaults: () => faults.clear(),
    setPodReadyDelay: (ms) => {
      controllers.pods.readyDelayMs = ms;
    },
    get: (apiVersion, kind, namespace, name) => store.get(typeOf(apiVersion, kind), namespace, name),
    list: (apiVersion, kind, namespace) => store.list(typeOf(apiVersion, kind), namespace),
    put: (object) => {
      const type = typeOf(object.apiVersion, object.kind);
      const existing = store.get(type, object.metadata.namespace, object.metadata.name!);
      return existing ? store.update(type, { ...object, metadata: { ...object.metadata, resourceVersion: undefined } }) : store.create(type, object);
    },
    remove: (apiVersion, kind, namespace, name) => {
      store.delete(typeOf(apiVersion, kind), namespace, name);
    },
    close: async () => {
      controllers.stop();
      watches.closeAll();
      await link?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
