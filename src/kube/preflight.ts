import type { ActionConfig } from '../inputs/config.js';
import { inGroup, log } from '../report/log.js';
import { lastLine, ToolError } from '../tools/exec.js';
import { KubeApiError } from './api-client.js';
import type { Kubectl } from './kubectl.js';

/** Before any write: is the cluster reachable, and may this kubeconfig do what deploy will do? */

export class ClusterPreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterPreflightError';
  }
}

interface Permission {
  verb: string;
  resource: string;
  /** Cluster-scoped resources are checked without a namespace. */
  clusterScoped?: boolean;
  why: string;
}

export function requiredPermissions(config: ActionConfig, namespaceExists: boolean): Permission[] {
  const permissions: Permission[] = [
    ...(namespaceExists ? [] : [{ verb: 'create', resource: 'namespaces', clusterScoped: true, why: `to create the namespace ${config.namespace}` }]),
    { verb: 'create', resource: 'secrets', why: 'for the Secrets behind existingSecret and Helm\'s release records' },
    { verb: 'patch', resource: 'secrets', why: 'to update the Secrets made from inputs' },
    { verb: 'create', resource: 'deployments.apps', why: 'for Harbor\'s Deployments' },
    { verb: 'patch', resource: 'deployments.apps', why: 'to upgrade Harbor\'s Deployments' },
    { verb: 'create', resource: 'services', why: 'for Harbor\'s Services' },
    { verb: 'create', resource: 'configmaps', why: 'for Harbor\'s configuration' },
    { verb: 'create', resource: 'persistentvolumeclaims', why: 'for Harbor\'s volume claims' },
    { verb: 'list', resource: 'pods', why: 'to follow readiness and diagnose failures' },
    { verb: 'get', resource: 'leases.coordination.k8s.io', why: 'to see whether another run holds the release (its Lease)' },
    { verb: 'create', resource: 'leases.coordination.k8s.io', why: 'to hold the release while deploying (the first run creates its Lease)' },
    { verb: 'update', resource: 'leases.coordination.k8s.io', why: 'to take, renew and release the hold on the release' },
  ];
  if (config.cfs) {
    permissions.push({ verb: 'create', resource: 'persistentvolumes', clusterScoped: true, why: 'for the CFS PersistentVolumes (cfs-server)' });
    if (config.deploy?.cfsPrepare) permissions.push({ verb: 'create', resource: 'jobs.batch', why: 'for the CFS preparation Job (cfs-prepare)' });
  }
  if (config.expose.gateway && config.expose.type !== 'route') {
    permissions.push({ verb: 'create', resource: 'virtualservices.networking.istio.io', why: 'for the Istio VirtualService (istio-gateway)' });
  }
  return permissions;
}


/** The API server's version, or a failure that says how to make it reachable. */
export async function reachCluster(kubectl: Kubectl): Promise<string> {
  try {
    const serverVersion = await kubectl.serverVersion();
    log.info(`API server ${serverVersion}`);
    return serverVersion;
  } catch (error) {
    if (!(error instanceof ToolError) && !(error instanceof KubeApiError)) throw error;
    const cause = error instanceof ToolError ? lastLine(error.stderr) : error.message;
    throw new ClusterPreflightError(
      `cannot reach the Kubernetes API server (${cause}): check kubeconfig (server address, credentials) and that the runner can reach the cluster (TKE: the API server's public or VPC access).`,
    );
  }
}

/** Checks reachability and permissions; returns whether the namespace exists. */
export async function clusterPreflight(kubectl: Kubectl, config: ActionConfig): Promise<{ namespaceExists: boolean; serverVersion: string }> {
  return inGroup('Cluster preflight', async () => {
    const needsVirtualService = config.expose.gateway !== undefined && config.expose.type !== 'route';
    // Independent reads, side by side: one round trip across a long link instead of a dozen. An
    // unreachable API server is reported by reachCluster, whatever the other reads say.
    const version = reachCluster(kubectl);
    const reads = (async () => {
      const namespace = kubectl.get('namespace', config.namespace).then((found) => found !== undefined);
      const withNamespace = requiredPermissions(config, true);
      const checks = Promise.all(withNamespace.map((p) => kubectl.canI(p.verb, p.resource, p.clusterScoped ? undefined : config.namespace)));
      const virtualService = needsVirtualService ? kubectl.serves('virtualservices.networking.istio.io', 'networking.istio.io/v1beta1') : Promise.resolve(true);
      const exists = await namespace;
      const all = requiredPermissions(config, exists);
      // Creating the namespace is asked only when it is missing: checked then, after the others.
      const extra = all.filter((p) => !withNamespace.some((q) => q.verb === p.verb && q.resource === p.resource));
      const answered = [...(await Promise.all(extra.map((p) => kubectl.canI(p.verb, p.resource, p.clusterScoped ? undefined : config.namespace)))), ...(await checks)];
      return [exists, [...extra, ...withNamespace], answered, await virtualService] as const;
    })();
    reads.catch(() => undefined);
    const serverVersion = await version;
    const [namespaceExists, permissions, answers, servesVirtualService] = await reads;
    const missing = permissions.filter((_, i) => !answers[i]);
    if (missing.length > 0) {
      throw new ClusterPreflightError(
        [
          `the kubeconfig's user lacks ${missing.length === 1 ? 'a permission' : `${missing.length} permissions`} deploy needs; nothing was changed:`,
          ...missing.map((p) => `  - ${p.verb} ${p.resource}${p.clusterScoped ? ' (cluster-wide)' : ` in namespace ${config.namespace}`}: ${p.why}`),
          'Grant them to the user (a Role in the namespace, a ClusterRole for cluster-wide ones), or use a kubeconfig with more rights.',
        ].join('\n'),
      );
    }
    log.info(`Permissions: all ${permissions.length} checks passed`);
    if (!servesVirtualService) {
      throw new ClusterPreflightError('istio-gateway is set but the cluster has no Istio VirtualService kind (networking.istio.io): install Istio, or remove istio-gateway and expose Harbor another way.');
    }
    return { namespaceExists, serverVersion };
  });
}
