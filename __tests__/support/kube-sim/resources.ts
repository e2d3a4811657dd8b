/** The kinds the simulator serves: what discovery lists, OpenAPI describes and the router accepts. */
export interface ResourceType {
  group: string; // '' for core
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Subresources besides the main one (status, scale, log). */
  subresources: string[];
  /** Only `create` (reviews), or the full set. */
  createOnly?: boolean;
  /** Kinds the API server knows natively accept strategic-merge patches; CRD kinds do not. */
  builtIn: boolean;
  /** Whether metadata.generation is kept (set to 1, +1 on spec changes); ConfigMaps, Secrets, Services… have none. */
  tracksGeneration: boolean;
  categories?: string[];
}

export interface CrdKind {
  group: string;
  version: string;
  kind: string;
  plural?: string;
  namespaced?: boolean;
  shortNames?: string[];
}

export const DEFAULT_CRD_KINDS: CrdKind[] = [
  { group: 'networking.istio.io', version: 'v1beta1', kind: 'VirtualService', shortNames: ['vs'] },
  { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' },
];

const GENERATION_KINDS = new Set([
  'Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Ingress', 'NetworkPolicy',
  'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'CustomResourceDefinition',
]);

type Def = [kind: string, plural: string, namespaced: boolean, subresources?: string[], shortNames?: string[]];

const BUILT_IN: Record<string, Def[]> = {
  v1: [
    ['Namespace', 'namespaces', false, ['status'], ['ns']],
    ['Pod', 'pods', true, ['status', 'log'], ['po']],
    ['Service', 'services', true, ['status'], ['svc']],
    ['ConfigMap', 'configmaps', true, [], ['cm']],
    ['Secret', 'secrets', true],
    ['ServiceAccount', 'serviceaccounts', true, [], ['sa']],
    ['Event', 'events', true, [], ['ev']],
    ['PersistentVolumeClaim', 'persistentvolumeclaims', true, ['status'], ['pvc']],
    ['PersistentVolume', 'persistentvolumes', false, ['status'], ['pv']],
    ['Endpoints', 'endpoints', true, [], ['ep']],
    ['Node', 'nodes', false, ['status'], ['no']],
    ['ResourceQuota', 'resourcequotas', true, ['status'], ['quota']],
    ['LimitRange', 'limitranges', true, [], ['limits']],
  ],
  'apps/v1': [
    ['Deployment', 'deployments', true, ['status', 'scale'], ['deploy']],
    ['ReplicaSet', 'replicasets', true, ['status', 'scale'], ['rs']],
    ['StatefulSet', 'statefulsets', true, ['status', 'scale'], ['sts']],
    ['DaemonSet', 'daemonsets', true, ['status'], ['ds']],
    ['ControllerRevision', 'controllerrevisions', true],
  ],
  'batch/v1': [
    ['Job', 'jobs', true, ['status']],
    ['CronJob', 'cronjobs', true, ['status'], ['cj']],
  ],
  'networking.k8s.io/v1': [
    ['Ingress', 'ingresses', true, ['status'], ['ing']],
    ['NetworkPolicy', 'networkpolicies', true, [], ['netpol']],
    ['IngressClass', 'ingressclasses', false],
  ],
  'rbac.authorization.k8s.io/v1': [
    ['Role', 'roles', true],
    ['RoleBinding', 'rolebindings', true],
    ['ClusterRole', 'clusterroles', false],
    ['ClusterRoleBinding', 'clusterrolebindings', false],
  ],
  'policy/v1': [['PodDisruptionBudget', 'poddisruptionbudgets', true, ['status'], ['pdb']]],
  'storage.k8s.io/v1': [['StorageClass', 'storageclasses', false, [], ['sc']]],
  'autoscaling/v2': [['HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, ['status'], ['hpa']]],
  'coordination.k8s.io/v1': [['Lease', 'leases', true]],
  'apiextensions.k8s.io/v1': [['CustomResourceDefinition', 'customresourcedefinitions', false, ['status'], ['crd', 'crds']]],
};

const REVIEWS: Record<string, Def[]> = {
  'authorization.k8s.io/v1': [
    ['SelfSubjectAccessReview', 'selfsubjectaccessreviews', false],
    ['SelfSubjectRulesReview', 'selfsubjectrulesreviews', false],
    ['SubjectAccessReview', 'subjectaccessreviews', false],
  ],
  'authentication.k8s.io/v1': [['SelfSubjectReview', 'selfsubjectreviews', false]],
};

function splitGroupVersion(groupVersion: string): { group: string; version: string } {
  const slash = groupVersion.indexOf('/');
  return slash < 0 ? { group: '', version: groupVersion } : { group: groupVersion.slice(0, slash), version: groupVersion.slice(slash + 1) };
}

export function groupVersionOf(type: { group: string; version: string }): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export class ResourceRegistry {
  private readonly types: ResourceType[] = [];

  constructor(crdKinds: CrdKind[]) {
    for (const [groupVersion, defs] of Object.entries(BUILT_IN)) this.addDefs(groupVersion, defs, false);
    for (const [groupVersion, defs] of Object.entries(REVIEWS)) this.addDefs(groupVersion, defs, true);
    for (const crd of crdKinds) this.addCrd(crd);
  }

  private addDefs(groupVersion: string, defs: Def[], createOnly: boolean): void {
    const { group, version } = splitGroupVersion(groupVersion);
    for (const [kind, plural, namespaced, subresources = [], shortNames] of defs) {
      this.types.push({ group, version, kind, plural, singular: kind.toLowerCase(), namespaced, subresources, shortNames, createOnly, builtIn: true, tracksGeneration: GENERATION_KINDS.has(kind) });
    }
  }

  addCrd(crd: CrdKind): ResourceType {
    const existing = this.find(crd.group, crd.version, crd.plural ?? `${crd.kind.toLowerCase()}s`);
    if (existing) return existing;
    const type: ResourceType = {
      group: crd.group,
      version: crd.version,
      kind: crd.kind,
      plural: crd.plural ?? `${crd.kind.toLowerCase()}s`,
      singular: crd.kind.toLowerCase(),
      namespaced: crd.namespaced ?? true,
      shortNames: crd.shortNames,
      subresources: ['status'],
      builtIn: false,
      tracksGeneration: true,
    };
    this.types.push(type);
    return type;
  }

  all(): readonly ResourceType[] {
    return this.types;
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const { group, version } = splitGroupVersion(apiVersion);
    return this.types.find((t) => t.group === group && t.version === version && t.kind === kind);
  }

  groupVersions(): string[] {
    return [...new Set(this.types.map(groupVersionOf))];
  }
}
