import { CREDENTIAL_FIELDS, decodeKubeconfig, registerKubeconfigCredentials as registerDocumentCredentials } from '../inputs/kubeconfig.js';
import { registerSecret } from '../report/redact.js';

/**
 * Masks every credential of a kubeconfig TKE returned, before anything could print it. When
 * it does not even parse, the credential lines are found by their keys so that nothing slips
 * through on the way to the error that reports it.
 */
export function registerKubeconfigCredentials(kubeconfig: string): void {
  const document = decodeKubeconfig(kubeconfig);
  if (document) {
    registerDocumentCredentials(document);
    return;
  }
  const credentialLine = new RegExp(`^\\s*-?\\s*(?:${CREDENTIAL_FIELDS.join('|')})\\s*:\\s*["']?([^"'\\s]+)`, 'gm');
  for (const match of kubeconfig.matchAll(credentialLine)) registerSecret(match[1]);
}
