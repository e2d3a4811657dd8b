import type { ActionConfig } from '../inputs/config.js';
import { cfsVolumeNames } from '../values/names.js';
import type { Values } from '../values/overrides.js';

/** Objects deploy applies besides the chart: CFS volumes and claims, and the Istio VirtualService. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

function labels(config: ActionConfig): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': 'harbor-tke-action', release: config.release };
}

/** The seed article's NFS appendix: a Retain, ReadWriteMany volume bound to its claim by name. */
export function cfsObjects(config: ActionConfig): KubeObject[] {
  if (!config.cfs) return [];
  const names = cfsVolumeNames(config);
  const wanted = [
    ...(config.jobserviceClaim ? [] : [names.jobservice]),
    ...(config.storage.type === 'filesystem' && !config.storage.existingClaim ? [names.registry] : []),
  ];
  const cfs = config.cfs;
  return wanted.flatMap((volume): KubeObject[] => [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: volume.volume, labels: labels(config) },
      spec: {
        accessModes: ['ReadWriteMany'],
        capacity: { storage: cfs.size },
        nfs: { server: cfs.server, path: `${cfs.path === '/' ? '' : cfs.path}/${volume.subPath}` },
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        volumeMode: 'Filesystem',
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: volume.claim, namespace: config.namespace, labels: labels(config) },
      spec: {
        accessModes: ['ReadWriteMany'],
        resources: { requests: { storage: cfs.size } },
        storageClassName: '',
        volumeMode: 'Filesystem',
        volumeName: volume.volume,
      },
    },
  ]);
}

/** The front Service's name as the chart will create it (expose.<type>.name, default "harbor"). */
export function frontServiceFromValues(values: Values, exposeType: string): string {
  const expose = values.expose as Record<string, { name?: unknown } | undefined> | undefined;
  const name = expose?.[exposeType]?.name;
  return typeof name === 'string' && name ? name : 'harbor';
}

/** As in the seed article: the external host, through the gateway, to the front Service on port 80. */
export function virtualService(config: ActionConfig, values: Values): KubeObject[] {
  const gateway = config.expose.gateway;
  if (!gateway || config.expose.type === 'route') return [];
  return [
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: { name: config.externalHost.replace(/\./g, '-'), namespace: config.namespace, labels: labels(config) },
      spec: {
        gateways: [`${gateway.namespace}/${gateway.name}`],
        hosts: [config.externalHost],
        http: [{ route: [{ destination: { host: frontServiceFromValues(values, config.expose.type), port: { number: 80 } } }] }],
      },
    },
  ];
}
