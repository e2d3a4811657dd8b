import { writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fetchChart, type FetchedChart } from '../helm/chart-package.js';
import { Helm } from '../helm/helm.js';
import type { ActionConfig } from '../inputs/config.js';
import { isUnsupported, KubeApi } from '../kube/api-client.js';
import { Kubectl } from '../kube/kubectl.js';
import { removeInPostStep } from '../post-step.js';
import { inGroup, log } from '../report/log.js';
import { setOutput } from '../report/outputs.js';
import { readReleaseWhenStopped } from '../report/stopped.js';
import { enterPhase, PHASE } from '../run/phase.js';
import { fetchTkeKubeconfig } from '../tke/kubeconfig.js';
import { runTool } from '../tools/exec.js';
import { installHelm, installKubectl, type InstalledHelm } from '../tools/install.js';
import type { HarborValues } from '../values/generate.js';
import { redactValues, valuesDigest, valuesYaml } from '../values/render.js';

/** What deploy and diff share: the values file helm reads, verified tools, and access to the cluster. */
export interface ClusterSession {
  helm: Helm;
  kubectl: Kubectl;
  helmTool: InstalledHelm;
  /** The chart, fetched once for every render and the upgrade. */
  chart: FetchedChart;
  valuesFile: string;
  digest: string;
}

/** The values file helm reads (secrets only with secrets-in-values): private, and gone after the job. */
export function writeValuesFile(config: ActionConfig, harbor: HarborValues, directory: string): { valuesFile: string; digest: string } {
  const valuesFile = join(directory, 'values.yaml');
  writeFileSync(valuesFile, valuesYaml(config, harbor.values), { mode: 0o600 });
  removeInPostStep(valuesFile);
  // The digest of the masked values: equal to render mode's for the same inputs.
  const digest = valuesDigest(valuesYaml(config, redactValues(harbor.values)));
  setOutput('values-file', valuesFile);
  setOutput('values-digest', digest);
  return { valuesFile, digest };
}

/**
 * The kubeconfig file this run's helm and kubectl use: the runner's when it is one file, or one of
 * its own (0600, removed by the post step). Several KUBECONFIG files are merged by kubectl itself
 * (`config view --flatten`), since --kubeconfig takes one file and helm and kubectl must agree.
 */
async function writeKubeconfig(config: ActionConfig, directory: string, kubectlPath: string): Promise<string> {
  const deploy = config.deploy!;
  const files = deploy.kubeconfigFiles ?? [];
  if (!deploy.tke && !deploy.kubeconfigContent && files.length === 1) return files[0]!;
  const content = deploy.tke
    ? await inGroup(`Kubeconfig from TKE: ${deploy.tke.clusterId} (${deploy.tke.region}, ${deploy.tke.endpointAccess})`, () => fetchTkeKubeconfig(deploy.tke!))
    : (deploy.kubeconfigContent ?? (await mergeKubeconfigFiles(kubectlPath, files)));
  const file = join(directory, 'kubeconfig');
  writeFileSync(file, content, { mode: 0o600 });
  removeInPostStep(file);
  return file;
}

async function mergeKubeconfigFiles(kubectlPath: string, files: string[]): Promise<string> {
  const { stdout } = await runTool(kubectlPath, ['config', 'view', '--flatten', '--raw'], { env: { KUBECONFIG: files.join(delimiter) }, rawStdout: true });
  return stdout;
}

export async function openClusterSession(config: ActionConfig, harbor: HarborValues, directory: string): Promise<ClusterSession> {
  const { valuesFile, digest } = writeValuesFile(config, harbor, directory);
  enterPhase(PHASE.tools);
  const helmTool = await installHelm(config.tools.helm);
  const kubectlTool = await installKubectl(config.tools.kubectl);
  setOutput('helm-path', helmTool.path);
  setOutput('helm-version', helmTool.version);
  setOutput('kubectl-path', kubectlTool.path);
  setOutput('kubectl-version', kubectlTool.version);
  enterPhase(PHASE.kubeconfig);
  const access = { kubectlPath: kubectlTool.path, kubeconfig: await writeKubeconfig(config, directory, kubectlTool.path), context: config.deploy!.kubeContext };
  const helm = new Helm(helmTool.path, helmTool.major, access);
  // A cancelled run reads the release with it, to say what state it left.
  readReleaseWhenStopped({ release: config.release, namespace: config.namespace, history: (options) => helm.history(config.release, config.namespace, options) });
  const chart = await fetchChart(helmTool.path, config.chart, directory);
  enterPhase(PHASE.cluster);
  return { helm, kubectl: new Kubectl(access, apiClientFor(access.kubeconfig, access.context)), helmTool, chart, valuesFile, digest };
}

/** The API client for the session's reads, or none (kubectl does them) when it does not speak the kubeconfig. */
function apiClientFor(kubeconfig: string, context: string | undefined): KubeApi | undefined {
  const client = KubeApi.fromKubeconfig(kubeconfig, context);
  if (!isUnsupported(client)) return client;
  log.info(`Reads go through kubectl: ${client.unsupported}`);
  return undefined;
}
