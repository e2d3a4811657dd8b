import { createSign, createVerify, generateKeyPairSync, randomUUID } from 'node:crypto';

/** One entry of a token's `access` claim (docker/distribution registry/auth/token ResourceActions). */
export interface Grant {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: Grant[];
}

/** Harbor's token issuer name (src/pkg/token/claims/v2/claims.go) and its registry service (src/core/service/token/creator.go). */
export const TOKEN_ISSUER = 'harbor-token-issuer';
export const REGISTRY_SERVICE = 'harbor-registry';

/**
 * RS256 JWTs as Harbor core signs them (src/core/service/token/authutils.go MakeToken) and checks
 * them on /v2 (src/server/middleware/security/v2_token.go). Harbor's core signs with its
 * `tokenKey`; here a key pair made in-process stands in for it.
 */
export interface TokenKeys {
  sign(claims: Omit<TokenClaims, 'iss' | 'aud' | 'jti'>): string;
  /** The claims of a token this key signed, or undefined for anything else. Time checks are the caller's. */
  verify(token: string): TokenClaims | undefined;
}

export function createTokenKeys(): TokenKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    sign: (claims) => {
      const header = encode({ typ: 'JWT', alg: 'RS256' });
      const payload = encode({ iss: TOKEN_ISSUER, aud: REGISTRY_SERVICE, jti: randomUUID(), ...claims });
      const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey).toString('base64url');
      return `${header}.${payload}.${signature}`;
    },
    verify: (token) => {
      const [header, payload, signature] = token.split('.');
      if (!header || !payload || !signature) return undefined;
      try {
        const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
        if (alg !== 'RS256') return undefined;
        if (!createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(publicKey, Buffer.from(signature, 'base64url'))) return undefined;
        return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
      } catch {
        return undefined;
      }
    },
  };
}
