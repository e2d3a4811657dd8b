import type { ActionConfig } from '../inputs/config.js';
import type { InputName } from '../inputs/definitions.js';
import type { ChartContract } from './contract.js';
import { secretNames } from './names.js';

/**
 * The Kubernetes Secrets behind the chart's existingSecret keys. Secrets from inputs are written
 * on every deploy; generated ones (internal secrets, the token certificate) only when absent, so
 * that an upgrade with unchanged inputs renders identical values and restarts nothing.
 */
export type SecretValueSource =
  | { from: 'input'; input: InputName; value?: string }
  | { from: 'generated'; how: 'random-16' | 'random-32' | 'registry-password' | 'registry-htpasswd' | 'token-key' | 'token-certificate' };

export interface ManagedSecret {
  name: string;
  purpose: string;
  type: 'Opaque' | 'kubernetes.io/tls';
  data: Record<string, SecretValueSource>;
  /** Created once and then kept: its keys are generated, not taken from inputs. */
  generated: boolean;
}

const input = (name: InputName, value: string | undefined): SecretValueSource => ({ from: 'input', input: name, value });

/** Whether this chart version reads Harbor's internal secrets from existing Secrets (1.18+). */
export function chartReadsInternalSecrets(contract: ChartContract): boolean {
  return ['core.existingSecret', 'core.existingXsrfSecret', 'jobservice.existingSecret', 'registry.existingSecret'].every((path) => contract.paths.has(path));
}

export function planSecrets(config: ActionConfig, contract: ChartContract): ManagedSecret[] {
  const names = secretNames(config.release);
  const secrets: ManagedSecret[] = [];
  if (!config.secretsInValues) {
    if (config.storage.type === 'cos') {
      secrets.push({
        name: names.s3,
        purpose: 'COS keys for the registry (S3 driver)',
        type: 'Opaque',
        generated: false,
        data: {
          REGISTRY_STORAGE_S3_ACCESSKEY: input('cos-secret-id', config.storage.secretId),
          REGISTRY_STORAGE_S3_SECRETKEY: input('cos-secret-key', config.storage.secretKey),
        },
      });
    }
    if (config.database.type === 'external') {
      secrets.push({ name: names.database, purpose: 'PostgreSQL password', type: 'Opaque', generated: false, data: { password: input('database-password', config.database.password) } });
    }
    if (config.redis.type === 'external' && config.redis.password) {
      const data: Record<string, SecretValueSource> = { REDIS_PASSWORD: input('redis-password', config.redis.password) };
      if (config.redis.username) data.REDIS_USERNAME = input('redis-username', config.redis.username);
      secrets.push({ name: names.redis, purpose: 'Redis credentials', type: 'Opaque', generated: false, data });
    }
    secrets.push({ name: names.admin, purpose: 'Harbor admin password', type: 'Opaque', generated: false, data: { HARBOR_ADMIN_PASSWORD: input('admin-password', config.harbor.adminPassword) } });
  }
  secrets.push(
    { name: names.secretKey, purpose: 'encryption key of Harbor core (16 characters)', type: 'Opaque', generated: true, data: { secretKey: { from: 'generated', how: 'random-16' } } },
    {
      name: names.tokenCertificate,
      purpose: 'key and certificate that sign registry tokens',
      type: 'kubernetes.io/tls',
      generated: true,
      data: { 'tls.key': { from: 'generated', how: 'token-key' }, 'tls.crt': { from: 'generated', how: 'token-certificate' } },
    },
    {
      name: names.registryCredentials,
      purpose: 'credentials core uses to call the registry',
      type: 'Opaque',
      generated: true,
      data: { REGISTRY_PASSWD: { from: 'generated', how: 'registry-password' }, REGISTRY_HTPASSWD: { from: 'generated', how: 'registry-htpasswd' } },
    },
  );
  if (chartReadsInternalSecrets(contract)) {
    secrets.push(
      { name: names.core, purpose: 'secret core shares with the other components', type: 'Opaque', generated: true, data: { secret: { from: 'generated', how: 'random-16' } } },
      { name: names.xsrf, purpose: 'CSRF key of core (32 characters)', type: 'Opaque', generated: true, data: { CSRF_KEY: { from: 'generated', how: 'random-32' } } },
      { name: names.jobservice, purpose: 'jobservice secret', type: 'Opaque', generated: true, data: { JOBSERVICE_SECRET: { from: 'generated', how: 'random-16' } } },
      { name: names.registry, purpose: 'registry HTTP secret', type: 'Opaque', generated: true, data: { REGISTRY_HTTP_SECRET: { from: 'generated', how: 'random-16' } } },
    );
  }
  return secrets;
}
