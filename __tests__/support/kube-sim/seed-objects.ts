/** Objects present from the start: CRDs for the CRD kinds served (`kubectl get crd` sees them) and the one node. */
import type { CrdKind } from './resources.js';
import type { KubeObject } from './types.js';

export function crdObject(crd: CrdKind): KubeObject {
  const plural = crd.plural ?? `${crd.kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${crd.group}` },
    spec: {
      group: crd.group,
      names: { kind: crd.kind, listKind: `${crd.kind}List`, plural, singular: crd.kind.toLowerCase(), ...(crd.shortNames ? { shortNames: crd.shortNames } : {}) },
      scope: crd.namespaced === false ? 'Cluster' : 'Namespaced',
      versions: [{ name: crd.version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, subresources: { status: {} } }],
    },
  };
}

export function establishedStatus(crd: KubeObject): object {
  const now = crd.metadata.creationTimestamp;
  return {
    acceptedNames: crd.spec?.names ?? {},
    conditions: [
      { type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', lastTransitionTime: now, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ],
    storedVersions: (crd.spec?.versions ?? []).filter((v: { storage?: boolean }) => v.storage).map((v: { name: string }) => v.name),
  };
}

/** The node every pod is scheduled to. */
export function simulatedNode(): KubeObject {
  const capacity = { cpu: '4', memory: '8145932Ki', pods: '110', 'ephemeral-storage': '51474912Ki' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'kube-sim-node', labels: { 'kubernetes.io/hostname': 'kube-sim-node', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
    spec: { podCIDR: '10.244.0.0/24' },
    status: {
      capacity,
      allocatable: capacity,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'kube-sim-node' }],
      nodeInfo: { kubeletVersion: 'v1.34.0', containerRuntimeVersion: 'containerd://2.0.0', osImage: 'kube-sim', kernelVersion: '6.1.0', operatingSystem: 'linux', architecture: 'amd64', machineID: '', systemUUID: '', bootID: '', kubeProxyVersion: '' },
    },
  };
}
