import { existsSync } from 'node:fs';
import yaml from 'js-yaml';
import { registerSecret } from '../report/redact.js';
import type { InputProblems } from './problems.js';

export interface KubeconfigDocument {
  clusters?: { name?: string; cluster?: { server?: string } }[];
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  users?: { name?: string; user?: Record<string, unknown> }[];
  'current-context'?: string;
}

/** Credential fields of a kubeconfig user: masked wherever they could be printed. */
export const CREDENTIAL_FIELDS = ['token', 'password', 'client-key-data', 'client-certificate-data'];

function looksLikeKubeconfig(document: unknown): document is KubeconfigDocument {
  return !!document && typeof document === 'object' && ('clusters' in document || 'contexts' in document);
}

/** Plain YAML or base64 of it, as users paste either into a secret. */
export function decodeKubeconfig(content: string): KubeconfigDocument | undefined {
  try {
    const plain = yaml.load(content);
    if (looksLikeKubeconfig(plain)) return plain;
  } catch {
    // not YAML: maybe base64
  }
  if (!/^[A-Za-z0-9+/=\s]+$/.test(content)) return undefined;
  try {
    const decoded = Buffer.from(content, 'base64').toString('utf8');
    const document = yaml.load(decoded);
    return looksLikeKubeconfig(document) ? document : undefined;
  } catch {
    return undefined;
  }
}

/** Masks every credential of a kubeconfig's users: tokens, passwords, client keys, exec env, auth-provider config. */
export function registerKubeconfigCredentials(document: KubeconfigDocument): void {
  for (const { user } of document.users ?? []) {
    if (!user) continue;
    for (const field of CREDENTIAL_FIELDS) if (typeof user[field] === 'string') registerSecret(user[field] as string);
    const exec = user.exec as { env?: { value?: string }[] } | undefined;
    for (const variable of exec?.env ?? []) registerSecret(variable.value);
    const provider = user['auth-provider'] as { config?: Record<string, string> } | undefined;
    for (const value of Object.values(provider?.config ?? {})) if (typeof value === 'string') registerSecret(value);
  }
}

/** Checks the kubeconfig input (or the runner's KUBECONFIG) and the context; masks its credentials. */
export function validateKubeconfig(
  problems: InputProblems,
  content: string,
  kubeContext: string,
  env: NodeJS.ProcessEnv,
): { content?: string; file?: string } | undefined {
  if (!content) {
    const file = env.KUBECONFIG?.split(':')[0];
    if (!file) {
      problems.error(
        'kubeconfig',
        'no kubeconfig input and KUBECONFIG is not set: pass kubeconfig: ${{ secrets.KUBECONFIG }} (plain or base64), set KUBECONFIG in an earlier step, or set tke-cluster-id to get one from TKE',
      );
      return undefined;
    }
    if (!existsSync(file)) {
      problems.error('kubeconfig', `KUBECONFIG points at ${file}, which does not exist`);
      return undefined;
    }
    return { file };
  }
  const document = decodeKubeconfig(content);
  if (!document) {
    problems.error('kubeconfig', 'is neither a kubeconfig in YAML nor base64 of one (expected apiVersion: v1, kind: Config with clusters, contexts and users)');
    return undefined;
  }
  registerKubeconfigCredentials(document);
  const contexts = (document.contexts ?? []).map((c) => c.name).filter((name): name is string => !!name);
  const wanted = kubeContext || document['current-context'];
  if (!wanted) {
    problems.error('kube-context', `the kubeconfig has no current-context: set kube-context to one of ${contexts.join(', ') || '(none)'}`);
    return undefined;
  }
  if (!contexts.includes(wanted)) {
    problems.error(kubeContext ? 'kube-context' : 'kubeconfig', `context "${wanted}" is not in the kubeconfig, which has ${contexts.join(', ') || 'no contexts'}`);
    return undefined;
  }
  const decoded = yaml.dump(document);
  return { content: content.includes('clusters') ? content : decoded };
}
