import { decodeKubeconfig } from '../inputs/kubeconfig.js';
import { registerSecret } from '../report/redact.js';

/** User fields of a kubeconfig that authenticate (TKE issues a client certificate and key per CAM user, or a token). */
const CREDENTIAL_FIELDS = ['token', 'password', 'client-key-data', 'client-certificate-data'];

/**
 * Masks every credential of a kubeconfig TKE returned, before anything could print it. When
 * it does not even parse, the credential lines are found by their keys so that nothing slips
 * through on the way to the error that reports it.
 */
export function registerKubeconfigCredentials(kubeconfig: string): void {
  const document = decodeKubeconfig(kubeconfig);
  if (document) {
    for (const { user } of document.users ?? []) {
      if (!user) continue;
      for (const field of CREDENTIAL_FIELDS) if (typeof user[field] === 'string') registerSecret(user[field] as string);
      const exec = user.exec as { env?: { value?: string }[] } | undefined;
      for (const variable of exec?.env ?? []) registerSecret(variable.value);
    }
    return;
  }
  const credentialLine = new RegExp(`^\\s*-?\\s*(?:${CREDENTIAL_FIELDS.join('|')})\\s*:\\s*["']?([^"'\\s]+)`, 'gm');
  for (const match of kubeconfig.matchAll(credentialLine)) registerSecret(match[1]);
}
