import type { ActionConfig } from '../inputs/config.js';

/**
 * Names of the objects the chart and this action create, derived from the release the way the
 * chart derives them, so that values, created objects and diagnostics agree.
 */

/** The chart's `harbor.fullname`: the release name if it contains "harbor", else `<release>-harbor`. */
export function chartFullname(release: string): string {
  return release.includes('harbor') ? release : `${release}-harbor`;
}

export function secretNames(release: string) {
  const base = `${chartFullname(release)}-tke`;
  return {
    s3: `${base}-s3`,
    database: `${base}-database`,
    redis: `${base}-redis`,
    admin: `${base}-admin`,
    secretKey: `${base}-secret-key`,
    core: `${base}-core`,
    xsrf: `${base}-xsrf`,
    jobservice: `${base}-jobservice`,
    registry: `${base}-registry`,
    registryCredentials: `${base}-registry-credentials`,
    tokenCertificate: `${base}-token`,
  } as const;
}

/** The CFS PersistentVolumes (cluster-scoped: the namespace keeps them apart) and their claims. */
export function cfsVolumeNames(config: Pick<ActionConfig, 'release' | 'namespace'>) {
  const fullname = chartFullname(config.release);
  return {
    jobservice: { volume: `${config.namespace}-${fullname}-jobservice-cfs`, claim: `${fullname}-jobservice-cfs`, subPath: 'jobservice' },
    registry: { volume: `${config.namespace}-${fullname}-registry-cfs`, claim: `${fullname}-registry-cfs`, subPath: 'registry' },
  } as const;
}

/** The Service in front of Harbor (nginx) that a VirtualService routes to. */
export function frontServiceName(): string {
  return 'harbor';
}
