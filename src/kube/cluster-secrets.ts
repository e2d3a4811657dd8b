import type { ManagedSecret } from '../values/secrets.js';
import { log } from '../report/log.js';
import { htpasswdLine, randomAlphanumeric, tokenSigningCertificate } from './secret-material.js';
import type { Kubectl } from './kubectl.js';
import type { KubeObject } from './manifests.js';

export interface SecretsOutcome {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/** Values for a generated Secret's keys: made together, since some must agree (password and htpasswd). */
function generatedData(secret: ManagedSecret, registryUsername: string): Record<string, string> {
  const data: Record<string, string> = {};
  let registryPassword: string | undefined;
  let token: { key: string; certificate: string } | undefined;
  for (const [key, source] of Object.entries(secret.data)) {
    if (source.from !== 'generated') continue;
    switch (source.how) {
      case 'random-16':
        data[key] = randomAlphanumeric(16);
        break;
      case 'random-32':
        data[key] = randomAlphanumeric(32);
        break;
      case 'registry-password':
        registryPassword ??= randomAlphanumeric(16);
        data[key] = registryPassword;
        break;
      case 'registry-htpasswd':
        registryPassword ??= randomAlphanumeric(16);
        data[key] = htpasswdLine(registryUsername, registryPassword);
        break;
      case 'token-key':
        token ??= tokenSigningCertificate();
        data[key] = token.key;
        break;
      case 'token-certificate':
        token ??= tokenSigningCertificate();
        data[key] = token.certificate;
        break;
    }
  }
  return data;
}

function inputData(secret: ManagedSecret): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [key, source] of Object.entries(secret.data)) if (source.from === 'input') data[key] = source.value ?? '';
  return data;
}

/** A Secret the action manages, as it applies it: `data` in plain text. */
export function secretObject(secret: ManagedSecret, namespace: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secret.name, namespace, labels: { 'app.kubernetes.io/managed-by': 'harbor-tke-action' } },
    type: secret.type,
    data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  };
}

function sameData(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a).sort();
  return keys.join('\n') === Object.keys(b).sort().join('\n') && keys.every((key) => a[key] === b[key]);
}

/** The stored Secret objects (their data base64, unredacted). */
export type StoredSecrets = Array<(Partial<KubeObject> & { data?: Record<string, string> }) | undefined>;

/**
 * The managed Secrets as stored, in the order given, absent ones undefined: read all at once and
 * unredacted (never logged), since their data is compared with the inputs. Deploy reads them once
 * for the drift check and for writing.
 */
export function readManagedSecrets(kubectl: Kubectl, namespace: string, secrets: ManagedSecret[]): Promise<StoredSecrets> {
  return Promise.all(secrets.map((secret) => kubectl.get<{ data?: Record<string, string> }>('secret', secret.name, namespace, { rawStdout: true })));
}

/**
 * The Secrets behind the chart's existingSecret keys. Secrets from inputs follow the inputs (and
 * are rewritten only when they differ); generated ones are created when absent and never replaced,
 * so upgrades do not rotate them and the rendered values stay the same.
 */
export async function ensureSecrets(kubectl: Kubectl, namespace: string, secrets: ManagedSecret[], registryUsername: string, stored?: StoredSecrets): Promise<SecretsOutcome> {
  const outcome: SecretsOutcome = { created: [], updated: [], unchanged: [] };
  const wanted: KubeObject[] = [];
  const existingSecrets = stored ?? (await readManagedSecrets(kubectl, namespace, secrets));
  for (const [index, secret] of secrets.entries()) {
    const existing = existingSecrets[index];
    if (secret.generated) {
      if (existing) outcome.unchanged.push(secret.name);
      else {
        wanted.push(secretObject(secret, namespace, generatedData(secret, registryUsername)));
        outcome.created.push(secret.name);
      }
      continue;
    }
    const desired = secretObject(secret, namespace, inputData(secret));
    const same = existing && sameData(existing.data ?? {}, desired.data as Record<string, string>);
    if (same) outcome.unchanged.push(secret.name);
    else {
      wanted.push(desired);
      (existing ? outcome.updated : outcome.created).push(secret.name);
    }
  }
  if (wanted.length > 0) await kubectl.apply(wanted);
  log.info(`Secrets: ${outcome.created.length} created, ${outcome.updated.length} updated from inputs, ${outcome.unchanged.length} kept`);
  return outcome;
}
