import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBinaryMirror, startChartRepository } from './chart-repo.js';
import { startKubeSim, type KubeSim, type KubeSimOptions } from './kube-sim/index.js';
import { seedInputs } from './seed.js';
import type { ToolMirror } from './tool-mirror/server.js';

/**
 * What a deploy or diff test needs around the action: helm and kubectl from a mirror on
 * 127.0.0.1, the stand-in Harbor chart from a chart repository, one tool cache for the file, and
 * simulated clusters on demand (all closed by close()).
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

export async function startDeployEnvironment(): Promise<DeployEnvironment> {
  const binaries = await startBinaryMirror();
  const charts = await startChartRepository();
  const toolCache = mkdtempSync(join(tmpdir(), 'deploy-tool-cache-'));
  const sims: KubeSim[] = [];
  return {
    binaries,
    charts,
    toolCache,
    async cluster(options = {}) {
      const sim = await startKubeSim({ podReadyDelayMs: 150, ...options });
      sims.push(sim);
      const kubeconfigFile = sim.writeKubeconfig(mkdtempSync(join(tmpdir(), 'kubeconfig-')));
      return { sim, kubeconfig: readFileSync(kubeconfigFile, 'utf8'), kubeconfigFile };
    },
    inputs(kubeconfig, extra = {}) {
      return {
        ...seedInputs,
        mode: 'deploy',
        kubeconfig,
        'helm-mirror': binaries.url,
        'kubectl-mirror': binaries.url,
        'chart-repo': charts.url,
        timeout: '60s',
        'storage-preflight': 'false',
        'smoke-test': 'false',
        ...extra,
      };
    },
    async close() {
      await Promise.all(sims.map((sim) => sim.close()));
      await binaries.close();
      await charts.close();
    },
  };
}
