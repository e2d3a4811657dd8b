import type { ActionConfig } from '../inputs/config.js';
import { log } from '../report/log.js';
import { chartFullname } from '../values/names.js';
import type { Kubectl } from './kubectl.js';
import type { KubeObject } from './manifests.js';

/** Harbor's containers run as uid/gid 10000: the CFS directories must be theirs. */
const HARBOR_UID = 10000;

/**
 * The seed article warns that the NFS directories must exist and be writable or Harbor will not
 * start. A short Job mounts the export, creates <cfs-path>/jobservice and <cfs-path>/registry owned
 * by Harbor's user, and is removed afterwards.
 */
export function cfsPrepareJob(config: ActionConfig): KubeObject {
  const cfs = config.cfs!;
  const directories = ['jobservice', ...(config.storage.type === 'filesystem' ? ['registry'] : [])].map((d) => `/cfs/${d}`);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${chartFullname(config.release)}-cfs-prepare`, namespace: config.namespace, labels: { 'app.kubernetes.io/managed-by': 'harbor-tke-action', release: config.release } },
    spec: {
      backoffLimit: 2,
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels: { 'app.kubernetes.io/managed-by': 'harbor-tke-action' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'prepare',
              image: config.deploy!.cfsPrepareImage,
              command: ['sh', '-c', `mkdir -p ${directories.join(' ')} && chown ${HARBOR_UID}:${HARBOR_UID} ${directories.join(' ')} && chmod 0755 ${directories.join(' ')}`],
              securityContext: { runAsUser: 0 },
              volumeMounts: [{ name: 'cfs', mountPath: '/cfs' }],
            },
          ],
          volumes: [{ name: 'cfs', nfs: { server: cfs.server, path: cfs.path } }],
        },
      },
    },
  };
}

export async function prepareCfsDirectories(kubectl: Kubectl, config: ActionConfig): Promise<void> {
  const job = cfsPrepareJob(config);
  const name = job.metadata.name;
  await kubectl.run(['delete', 'job', name, '-n', config.namespace, '--ignore-not-found', '--wait=true'], { quietStdout: true });
  await kubectl.apply([job]);
  try {
    const { exitCode } = await kubectl.run(['wait', `job/${name}`, '-n', config.namespace, '--for=condition=Complete', '--timeout=180s'], { acceptExitCodes: [1] });
    if (exitCode !== 0) {
      const { stdout } = await kubectl.run(['logs', `job/${name}`, '-n', config.namespace, '--tail=20'], { acceptExitCodes: [1], quietStdout: true });
      throw new Error(`the CFS preparation Job did not complete: ${stdout.trim() || 'no log'}. Check cfs-server and cfs-path (the export must be reachable from the nodes), or set cfs-prepare: false and create the directories yourself.`);
    }
    log.info(`CFS directories ready under ${config.cfs!.server}:${config.cfs!.path}`);
  } finally {
    await kubectl.run(['delete', 'job', name, '-n', config.namespace, '--ignore-not-found', '--cascade=background'], { quietStdout: true });
  }
}
