import { generateKeyPairSync, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import forge from 'node-forge';
import { registerSecret } from '../report/redact.js';

/** Harbor's generated secrets, made once on the first deploy and then kept. */

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random alphanumeric string (Harbor wants exactly 16 or 32 characters for some keys). */
export function randomAlphanumeric(length: number): string {
  let result = '';
  while (result.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 × 62: dropping bytes above it keeps every character equally likely.
      if (byte < 248 && result.length < length) result += ALPHANUMERIC[byte % 62];
    }
  }
  registerSecret(result);
  return result;
}

/** An htpasswd line the registry accepts: bcrypt, in the $2a$ form Harbor's chart writes. */
export function htpasswdLine(username: string, password: string): string {
  const hash = bcrypt.hashSync(password, 10).replace(/^\$2b\$/, '$2a$');
  const line = `${username}:${hash}`;
  registerSecret(line);
  return line;
}

/** The RSA key and self-signed certificate core signs registry tokens with (as the chart's genCA). */
export function tokenSigningCertificate(commonName = 'harbor-token-ca'): { key: string; certificate: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  registerSecret(privateKey);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey);
  certificate.serialNumber = randomBytes(16).toString('hex').replace(/^[89a-f]/, '1');
  certificate.validity.notBefore = new Date();
  certificate.validity.notAfter = new Date(Date.now() + 3650 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: commonName }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true }]);
  certificate.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { key: privateKey, certificate: forge.pki.certificateToPem(certificate) };
}
