import { existsSync, readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
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

/** The kubeconfig the run uses: content of its own, or the runner's KUBECONFIG files. */
export interface CheckedKubeconfig {
  content?: string;
  /** The runner's KUBECONFIG files that exist, in order (kubectl merges them; missing ones are skipped). */
  files?: string[];
}

/** Checks the kubeconfig input (or the runner's KUBECONFIG) and the context; masks its credentials. */
export function validateKubeconfig(problems: InputProblems, content: string, kubeContext: string, env: NodeJS.ProcessEnv): CheckedKubeconfig | undefined {
  if (!content) return validateKubeconfigFiles(problems, kubeContext, env);
  const document = decodeKubeconfig(content);
  if (!document) {
    problems.error('kubeconfig', 'is neither a kubeconfig in YAML nor base64 of one (expected apiVersion: v1, kind: Config with clusters, contexts and users)');
    return undefined;
  }
  registerKubeconfigCredentials(document);
  if (!checkContext(problems, [document], kubeContext, 'kubeconfig')) return undefined;
  return { content: content.includes('clusters') ? content : yaml.dump(document) };
}

/**
 * The runner's KUBECONFIG (set by an earlier step): every listed file is read so its credentials
 * are masked before any tool runs, and the context is checked against all of them together.
 */
function validateKubeconfigFiles(problems: InputProblems, kubeContext: string, env: NodeJS.ProcessEnv): CheckedKubeconfig | undefined {
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (listed.length === 0) {
    problems.error(
      'kubeconfig',
      'no kubeconfig input and KUBECONFIG is not set: pass kubeconfig: ${{ secrets.KUBECONFIG }} (plain or base64), set KUBECONFIG in an earlier step, or set tke-cluster-id to get one from TKE',
    );
    return undefined;
  }
  const files = listed.filter((file) => existsSync(file));
  if (files.length === 0) {
    problems.error('kubeconfig', `KUBECONFIG points at ${listed.join(', ')}, which ${listed.length > 1 ? 'do' : 'does'} not exist: set it in an earlier step that writes the file, or pass the kubeconfig input`);
    return undefined;
  }
  const documents: KubeconfigDocument[] = [];
  for (const file of files) {
    let document: unknown;
    try {
      document = yaml.load(readFileSync(file, 'utf8'));
    } catch (error) {
      // js-yaml quotes the offending line, which may hold a token: give the position only.
      const mark = (error as { mark?: { line?: number } }).mark;
      problems.error('kubeconfig', `KUBECONFIG file ${file} is not valid YAML${mark?.line !== undefined ? ` (line ${mark.line + 1})` : ''}`);
      return undefined;
    }
    if (document === null || document === undefined) continue; // kubectl accepts an empty file
    if (!looksLikeKubeconfig(document)) {
      problems.error('kubeconfig', `KUBECONFIG file ${file} is not a kubeconfig (expected apiVersion: v1, kind: Config with clusters, contexts and users)`);
      return undefined;
    }
    registerKubeconfigCredentials(document);
    documents.push(document);
  }
  if (!checkContext(problems, documents, kubeContext, 'KUBECONFIG')) return undefined;
  return { files };
}

/** The context to use exists: kube-context, or the current-context of the first file that sets one (kubectl's merge rule). */
function checkContext(problems: InputProblems, documents: KubeconfigDocument[], kubeContext: string, source: string): boolean {
  const contexts = [...new Set(documents.flatMap((d) => (d.contexts ?? []).map((c) => c.name)).filter((name): name is string => !!name))];
  const wanted = kubeContext || documents.map((d) => d['current-context']).find(Boolean);
  if (!wanted) {
    problems.error('kube-context', `the ${source} has no current-context: set kube-context to one of ${contexts.join(', ') || '(none)'}`);
    return false;
  }
  if (!contexts.includes(wanted)) {
    problems.error(kubeContext ? 'kube-context' : 'kubeconfig', `context "${wanted}" is not in the ${source}, which has ${contexts.join(', ') || 'no contexts'}`);
    return false;
  }
  return true;
}
