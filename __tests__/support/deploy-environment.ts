import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBinaryMirror, startChartRepository } from './chart-repo.js';
import { startKubeSim, type KubeSim, type KubeSimOptions } from './kube-sim/index.js';
import type { S3RegistryStack } from './registry-stack/s3-stack.js';
import { seedInputs } from './seed.js';
import type { ToolMirror } from './tool-mirror/server.js';

/**
 * What a deploy or diff test needs around the action: helm and kubectl from a mirror on
 * 127.0.0.1, the published Harbor charts from a chart repository, one tool cache for the file, and
 * simulated clusters on demand (all closed, and their folders removed, by close()).
 */
export interface DeployEnvironment {
  binaries: ToolMirror;
  charts: ToolMirror;
  toolCache: string;
  cluster(options?: KubeSimOptions): Promise<{ sim: KubeSim; kubeconfig: string; kubeconfigFile: string }>;
  /** The seed configuration in deploy mode against this environment; COS and a running Harbor are out of reach, so their checks are off. */
  inputs(kubeconfig: string, extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

/** The Helm majors every deploy and drift scenario runs with: the default 4, and 3 through its major line. */
export const HELM_VERSIONS = [
  ['Helm 4', 'v4.1.4'],
  ['Helm 3', '3.x'],
] as const;

/**
 * Writes other than those to the release's Lease: a deploy takes and releases its hold on the
 * release even when it changes nothing else (src/kube/release-lock.ts).
 */
export function writesBesidesTheLock(sim: KubeSim): KubeSim['journal'] {
  return sim.writes().filter((entry) => !/\/apis\/coordination\.k8s\.io\/v1\/namespaces\/[^/]+\/leases(\/|$)/.test(entry.path));
}

/** The seed configuration in deploy mode, with helm, kubectl and the chart from 127.0.0.1. */
export function deployInputs(at: { binaries: string; charts: string; kubeconfig: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...seedInputs,
    mode: 'deploy',
    kubeconfig: at.kubeconfig,
    'helm-mirror': at.binaries,
    'kubectl-mirror': at.binaries,
    'chart-repo': at.charts,
    timeout: '60s',
    'storage-preflight': 'false',
    'smoke-test': 'false',
    ...extra,
  };
}

/** Storage and external URL on a registry stack: its Ceph radosgw stands in for COS, its front for Harbor. */
export function inputsOnRegistryStack(stack: S3RegistryStack): Record<string, string> {
  return {
    'cos-endpoint': stack.ceph.endpoint,
    'cos-region': 'us-east-1',
    'cos-bucket': 'registry',
    'cos-secret-id': stack.ceph.accessKey,
    'cos-secret-key': stack.ceph.secretKey,
    'external-url': stack.url,
  };
}

export async function startDeployEnvironment(): Promise<DeployEnvironment> {
  const binaries = await startBinaryMirror();
  const charts = await startChartRepository();
  const toolCache = mkdtempSync(join(tmpdir(), 'deploy-tool-cache-'));
  const sims: KubeSim[] = [];
  const directories = [toolCache];
  return {
    binaries,
    charts,
    toolCache,
    async cluster(options = {}) {
      const sim = await startKubeSim({ podReadyDelayMs: 150, ...options });
      sims.push(sim);
      const directory = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
      directories.push(directory);
      const kubeconfigFile = sim.writeKubeconfig(directory);
      return { sim, kubeconfig: readFileSync(kubeconfigFile, 'utf8'), kubeconfigFile };
    },
    inputs: (kubeconfig, extra = {}) => deployInputs({ binaries: binaries.url, charts: charts.url, kubeconfig }, extra),
    async close() {
      await Promise.all(sims.map((sim) => sim.close()));
      await binaries.close();
      await charts.close();
      for (const directory of directories) rmSync(directory, { recursive: true, force: true });
    },
  };
}
