import type { ActionConfig } from '../inputs/config.js';
import { contractFor, leafPaths, type ChartContract } from './contract.js';
import { cfsVolumeNames, secretNames } from './names.js';
import { mergeValues, type Values } from './overrides.js';
import { parseChartVersion } from './chart-version.js';
import { chartReadsInternalSecrets, planSecrets, type ManagedSecret } from './secrets.js';

/** Where each value path came from, for the summary's table ("input cos-region", "values-files: a.yaml"). */
export type Provenance = Map<string, string>;

export interface HarborValues {
  /** The values helm gets: generated, then overridden by values-files, values and set. */
  values: Values;
  provenance: Provenance;
  secrets: ManagedSecret[];
  contract: ChartContract;
  /** Things the user should know about this configuration (not problems with the inputs). */
  notes: string[];
}

class ValuesBuilder {
  readonly values: Values = {};
  readonly provenance: Provenance = new Map();

  put(path: string, value: unknown, source: string): void {
    const keys = path.split('.');
    let node = this.values;
    for (const key of keys.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Values;
    }
    node[keys[keys.length - 1]!] = value;
    this.provenance.set(path, source);
  }
}

/** Chart values for the configuration, correct for the chart version asked. */
export function buildHarborValues(config: ActionConfig): HarborValues {
  const contract = contractFor(config.chart.version);
  const secrets = planSecrets(config, contract);
  const names = secretNames(config.release);
  const notes: string[] = [];
  const v = new ValuesBuilder();
  const secretRef = (name: string) => (secrets.some((s) => s.name === name) ? name : undefined);

  // Exposure
  v.put('expose.type', config.expose.type, 'input expose');
  v.put('expose.tls.enabled', config.expose.tls, 'input tls');
  if (config.expose.tls) {
    v.put('expose.tls.certSource', 'auto', 'input tls (the chart makes a certificate)');
    v.put('expose.tls.auto.commonName', config.externalHost, 'input external-url (host)');
  }
  if (config.expose.type === 'ingress') v.put('expose.ingress.hosts.core', config.externalHost, 'input external-url (host)');
  if (config.expose.type === 'route' && config.expose.gateway) {
    v.put('expose.route.hosts', [config.externalHost], 'input external-url (host)');
    v.put('expose.route.parentRefs', [{ name: config.expose.gateway.name, namespace: config.expose.gateway.namespace }], 'input istio-gateway');
  }
  v.put('externalURL', config.externalUrl, 'input external-url');

  // Images
  const cfsNames = cfsVolumeNames(config);
  if (config.storage.type === 'cos') {
    const cos = config.storage;
    v.put('persistence.imageChartStorage.type', 's3', 'input storage: cos (COS speaks S3)');
    v.put('persistence.imageChartStorage.disableredirect', true, 'COS: serve blobs through the registry, not presigned COS URLs');
    v.put('persistence.imageChartStorage.s3.region', cos.region, 'input cos-region');
    v.put('persistence.imageChartStorage.s3.bucket', cos.bucket, 'input cos-bucket');
    v.put('persistence.imageChartStorage.s3.regionendpoint', cos.endpoint, cos.endpointExplicit ? 'input cos-endpoint' : 'input cos-region (default endpoint)');
    v.put('persistence.imageChartStorage.s3.rootdirectory', cos.rootDirectory, 'input cos-root-directory');
    if (config.secretsInValues) {
      v.put('persistence.imageChartStorage.s3.accesskey', cos.secretId ?? '', 'input cos-secret-id (secrets-in-values)');
      v.put('persistence.imageChartStorage.s3.secretkey', cos.secretKey ?? '', 'input cos-secret-key (secrets-in-values)');
    } else {
      v.put('persistence.imageChartStorage.s3.existingSecret', names.s3, 'Secret made from cos-secret-id and cos-secret-key');
    }
  } else {
    v.put('persistence.imageChartStorage.type', 'filesystem', 'input storage: filesystem');
    const claim = config.storage.existingClaim ?? (config.cfs ? cfsNames.registry.claim : undefined);
    if (claim) v.put('persistence.persistentVolumeClaim.registry.existingClaim', claim, config.storage.existingClaim ? 'input registry-pvc' : 'CFS claim made from cfs-server and cfs-path');
  }
  const jobLogClaim = config.jobserviceClaim ?? (config.cfs ? cfsNames.jobservice.claim : undefined);
  if (jobLogClaim) {
    v.put('persistence.persistentVolumeClaim.jobservice.jobLog.existingClaim', jobLogClaim, config.jobserviceClaim ? 'input jobservice-pvc' : 'CFS claim made from cfs-server and cfs-path');
  }

  // Database and Redis
  if (config.database.type === 'external') {
    const db = config.database;
    v.put('database.type', 'external', 'input database-host');
    v.put('database.external.host', db.host, 'input database-host');
    v.put('database.external.port', String(db.port), 'input database-port');
    v.put('database.external.username', db.username, 'input database-username');
    v.put('database.external.coreDatabase', db.name, 'input database-name');
    v.put('database.external.sslmode', db.sslmode, 'input database-sslmode');
    if (config.secretsInValues) v.put('database.external.password', db.password ?? '', 'input database-password (secrets-in-values)');
    else v.put('database.external.existingSecret', names.database, 'Secret made from database-password');
  }
  if (config.redis.type === 'external') {
    const redis = config.redis;
    v.put('redis.type', 'external', 'input redis-addr');
    v.put('redis.external.addr', redis.addr, 'input redis-addr');
    if (redis.username) v.put('redis.external.username', redis.username, 'input redis-username');
    if (config.secretsInValues && redis.password) v.put('redis.external.password', redis.password, 'input redis-password (secrets-in-values)');
    const redisSecret = secretRef(names.redis);
    if (redisSecret) v.put('redis.external.existingSecret', redisSecret, 'Secret made from redis-password');
    const indexPaths = {
      core: 'coreDatabaseIndex',
      jobservice: 'jobserviceDatabaseIndex',
      registry: 'registryDatabaseIndex',
      trivy: 'trivyAdapterIndex',
      harbor: 'harborDatabaseIndex',
      cacheLayer: 'cacheLayerDatabaseIndex',
    } as const;
    for (const [component, key] of Object.entries(indexPaths)) {
      const index = redis.indexes[component as keyof typeof indexPaths];
      if (index !== undefined) v.put(`redis.external.${key}`, String(index), 'input redis-database-indexes');
    }
  }

  // Credentials: references to Secrets, or (secrets-in-values) the values themselves
  if (config.secretsInValues) {
    v.put('harborAdminPassword', config.harbor.adminPassword ?? '', 'input admin-password (secrets-in-values)');
  } else {
    v.put('existingSecretAdminPassword', names.admin, 'Secret made from admin-password');
    v.put('existingSecretAdminPasswordKey', 'HARBOR_ADMIN_PASSWORD', 'key in that Secret');
  }
  notes.push('admin-password takes effect only when Harbor first initialises its database; change it later in Harbor itself.');
  const kept = 'Secret generated on first deploy, then kept (no rotation on upgrade)';
  v.put('existingSecretSecretKey', names.secretKey, kept);
  v.put('core.secretName', names.tokenCertificate, kept);
  v.put('registry.credentials.existingSecret', names.registryCredentials, kept);
  if (chartReadsInternalSecrets(contract)) {
    v.put('core.existingSecret', names.core, kept);
    v.put('core.existingXsrfSecret', names.xsrf, kept);
    v.put('core.existingXsrfSecretKey', 'CSRF_KEY', 'key in that Secret');
    v.put('jobservice.existingSecret', names.jobservice, kept);
    v.put('jobservice.existingSecretKey', 'JOBSERVICE_SECRET', 'key in that Secret');
    v.put('registry.existingSecret', names.registry, kept);
    v.put('registry.existingSecretKey', 'REGISTRY_HTTP_SECRET', 'key in that Secret');
  } else if (!keepsInternalSecretsByLookup(config.chart.version)) {
    notes.push(
      `Chart ${config.chart.version} cannot read the core, jobservice and registry secrets from existing Secrets (chart 1.18 can), nor keep its own (1.14 can): every upgrade generates new ones and restarts those pods.`,
    );
  }

  // Workloads
  const components = ['core', 'jobservice', 'registry', 'portal', ...(config.expose.type === 'ingress' || config.expose.type === 'route' ? [] : ['nginx'])];
  for (const component of components) v.put(`${component}.replicas`, config.harbor.replicas, 'input replicas');
  v.put('trivy.enabled', config.harbor.trivy, 'input trivy');
  v.put('metrics.enabled', config.harbor.metrics, 'input metrics');

  let values = v.values;
  const provenance = v.provenance;
  for (const override of config.overrides) {
    values = mergeValues(values, override.values);
    for (const path of leafPaths(override.values)) provenance.set(path, override.source === 'set' || override.source === 'values' ? `input ${override.source}` : `values-files: ${override.source}`);
  }
  return { values, provenance, secrets, contract, notes };
}

/**
 * Charts 1.14–1.17 generate core's, jobservice's and registry's secrets and CSRF key themselves,
 * but `lookup` the Secrets they made before and keep those values (templates/core/core-secret.yaml,
 * jobservice/jobservice-secrets.yaml, registry/registry-secret.yaml); 1.12 and 1.13 draw new
 * ones on every render.
 */
function keepsInternalSecretsByLookup(chartVersion: string): boolean {
  const version = parseChartVersion(chartVersion);
  return !version || version.major > 1 || version.minor >= 14;
}
