import { execFileSync } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Grant {
  type: 'repository';
  name: string;
  actions: string[];
}

/** Signs registry tokens the way Harbor's token service does: RS256 JWTs the registry verifies with `auth: token`. */
export interface TokenSigner {
  certificatePath: string;
  issuer: string;
  service: string;
  sign(subject: string, access: Grant[]): string;
}

export function createTokenSigner(dir: string, issuer = 'harbor-token-issuer', service = 'harbor-registry'): TokenSigner {
  const keyPath = join(dir, 'token.key');
  const certificatePath = join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certificatePath, '-subj', '/CN=harbor-token-issuer', '-days', '2'], {
    stdio: 'ignore',
  });
  const key = readFileSync(keyPath, 'utf8');
  // The registry trusts a token whose x5c chain ends in its rootcertbundle: here the cert itself.
  const certificateDer = readFileSync(certificatePath, 'utf8').replace(/-----[^-]+-----|\s/g, '');
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    certificatePath,
    issuer,
    service,
    sign: (subject, access) => {
      const now = Math.floor(Date.now() / 1000);
      const header = encode({ typ: 'JWT', alg: 'RS256', x5c: [certificateDer] });
      const claims = encode({ iss: issuer, sub: subject, aud: service, exp: now + 1800, nbf: now - 60, iat: now, jti: randomUUID(), access });
      const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key).toString('base64url');
      return `${header}.${claims}.${signature}`;
    },
  };
}
