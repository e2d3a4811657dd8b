/** Legacy (non-aggregated) discovery documents: clients ask for aggregated v2 first and accept these. */
import { groupVersionOf, type ResourceRegistry, type ResourceType } from './resources.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '34',
  gitVersion: 'v1.34.0-kube-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.24.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupsOf(registry: ResourceRegistry): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const type of registry.all()) {
    if (!type.group) continue;
    const versions = groups.get(type.group) ?? [];
    if (!versions.includes(type.version)) versions.push(type.version);
    groups.set(type.group, versions);
  }
  return groups;
}

function groupEntry(name: string, versions: string[]): object {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

export function apiGroupList(registry: ResourceRegistry): object {
  const groups = [...groupsOf(registry)].map(([name, versions]) => groupEntry(name, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(registry: ResourceRegistry, group: string): object | undefined {
  const versions = groupsOf(registry).get(group);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) } : undefined;
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resourceEntries(type: ResourceType): object[] {
  const main = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: type.createOnly ? ['create'] : ALL_VERBS,
    ...(type.shortNames ? { shortNames: type.shortNames } : {}),
    ...(['Pod', 'Deployment', 'Service', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob', 'DaemonSet'].includes(type.kind) ? { categories: ['all'] } : {}),
  };
  const subs = type.subresources.map((sub) => ({
    name: `${type.plural}/${sub}`,
    singularName: '',
    namespaced: type.namespaced,
    kind: sub === 'scale' ? 'Scale' : type.kind,
    verbs: sub === 'log' ? ['get'] : ['get', 'patch', 'update'],
    ...(sub === 'scale' ? { group: 'autoscaling', version: 'v1' } : {}),
  }));
  return [main, ...subs];
}

export function apiResourceList(registry: ResourceRegistry, groupVersion: string): object | undefined {
  const types = registry.all().filter((t) => groupVersionOf(t) === groupVersion);
  if (types.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: types.flatMap(resourceEntries) };
}
