/** A kubeconfig pointing the real clients at the simulator. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';

export interface KubeconfigOptions {
  /** Context (and cluster/user) name; `kube-sim` when omitted. */
  context?: string;
  /** Default namespace of the context. */
  namespace?: string;
  /** File name inside the directory; `kubeconfig` when omitted. */
  fileName?: string;
  /** With TLS: trust the simulator's certificate (certificate-authority-data) instead of skipping verification. */
  verifyTls?: boolean;
}

/** `caPem` is the server certificate when the simulator serves HTTPS. */
export function writeKubeconfig(dir: string, server: string, caPem: string | undefined, token: string | undefined, options: KubeconfigOptions = {}): string {
  const name = options.context ?? 'kube-sim';
  const tlsSettings = !caPem
    ? {}
    : options.verifyTls
      ? { 'certificate-authority-data': Buffer.from(caPem, 'utf8').toString('base64') }
      : { 'insecure-skip-tls-verify': true };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, ...tlsSettings } }],
    users: [{ name, user: token ? { token } : {} }],
    contexts: [{ name, context: { cluster: name, user: name, ...(options.namespace ? { namespace: options.namespace } : {}) } }],
    'current-context': name,
    preferences: {},
  };
  mkdirSync(dir, { recursive: true });
  const file = join(dir, options.fileName ?? 'kubeconfig');
  // 0600: helm warns about group/world-readable kubeconfig files.
  writeFileSync(file, yaml.dump(config), { mode: 0o600 });
  return file;
}
