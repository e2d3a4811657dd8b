/**
 * REST paths of the kinds the action reads and writes, and the Harbor charts render: the plural
 * each kind is served under and whether it lives in a namespace (as API discovery lists them).
 * A kind not listed here is left to kubectl, which discovers it.
 */
const KINDS: Record<string, Record<string, [plural: string, namespaced: boolean]>> = {
  v1: {
    ConfigMap: ['configmaps', true],
    Secret: ['secrets', true],
    Service: ['services', true],
    ServiceAccount: ['serviceaccounts', true],
    PersistentVolumeClaim: ['persistentvolumeclaims', true],
    PersistentVolume: ['persistentvolumes', false],
    Pod: ['pods', true],
    Event: ['events', true],
    Namespace: ['namespaces', false],
  },
  'apps/v1': { Deployment: ['deployments', true], StatefulSet: ['statefulsets', true], ReplicaSet: ['replicasets', true], DaemonSet: ['daemonsets', true] },
  'batch/v1': { Job: ['jobs', true], CronJob: ['cronjobs', true] },
  'networking.k8s.io/v1': { Ingress: ['ingresses', true], NetworkPolicy: ['networkpolicies', true] },
  'policy/v1': { PodDisruptionBudget: ['poddisruptionbudgets', true] },
  'rbac.authorization.k8s.io/v1': { Role: ['roles', true], RoleBinding: ['rolebindings', true], ClusterRole: ['clusterroles', false], ClusterRoleBinding: ['clusterrolebindings', false] },
  'autoscaling/v2': { HorizontalPodAutoscaler: ['horizontalpodautoscalers', true] },
  'coordination.k8s.io/v1': { Lease: ['leases', true] },
  'networking.istio.io/v1beta1': { VirtualService: ['virtualservices', true] },
  'gateway.networking.k8s.io/v1': { HTTPRoute: ['httproutes', true] },
  'monitoring.coreos.com/v1': { ServiceMonitor: ['servicemonitors', true] },
};

/** The collection path of a kind (`/apis/apps/v1/namespaces/registry/deployments`), or undefined for a kind not listed. */
export function collectionPath(apiVersion: string, kind: string, namespace: string | undefined): string | undefined {
  const entry = KINDS[apiVersion]?.[kind];
  if (!entry) return undefined;
  const [plural, namespaced] = entry;
  const root = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
  if (namespaced && !namespace) return undefined;
  return namespaced ? `${root}/namespaces/${encodeURIComponent(namespace!)}/${plural}` : `${root}/${plural}`;
}

/** The path of one object, or undefined for a kind not listed. */
export function objectPath(apiVersion: string, kind: string, namespace: string | undefined, name: string): string | undefined {
  const collection = collectionPath(apiVersion, kind, namespace);
  return collection && `${collection}/${encodeURIComponent(name)}`;
}
