import { parseChartVersion } from './chart-version.js';

/**
 * How each Harbor chart minor builds the Redis URLs of core, jobservice, trivy and the exporter
 * when the credentials are in a Secret (`redis.external.existingSecret`, which this action uses),
 * read from `harbor.redis.cred` / `harbor.redis.url` in each chart's templates/_helpers.tpl:
 *
 * - 1.12: the URLs take only `redis.external.username/password` from the values; the Secret
 *   reaches the registry alone, so core and jobservice would connect without the password.
 * - 1.13–1.17: `printf ":%s@"` of the password looked up in the Secret: no username, not escaped.
 * - 1.18: `printf "%s:%s@"` of the username and password looked up: neither escaped.
 * - 1.19: both looked up and passed through `urlquery`.
 *
 * A password given in the values (`secrets-in-values: true`) is escaped by every one of them.
 */
export interface RedisCredentialHandling {
  /** The URLs carry the password from the Secret. */
  passwordFromSecret: boolean;
  /** The URLs carry the username from the Secret (Redis 6 ACL users). */
  usernameFromSecret: boolean;
  /** What they carry is URL-escaped. */
  escaped: boolean;
}

export function redisCredentialHandling(chartVersion: string): RedisCredentialHandling {
  const version = parseChartVersion(chartVersion);
  const minor = version && version.major === 1 ? version.minor : 19;
  if (minor <= 12) return { passwordFromSecret: false, usernameFromSecret: false, escaped: false };
  if (minor <= 17) return { passwordFromSecret: true, usernameFromSecret: false, escaped: false };
  if (minor === 18) return { passwordFromSecret: true, usernameFromSecret: true, escaped: false };
  return { passwordFromSecret: true, usernameFromSecret: true, escaped: true };
}

/**
 * Characters that pass through Go's url.Parse of a URL's userinfo unchanged (unreserved and
 * sub-delims, RFC 3986; ':' left out, since it ends a username): anything else ends the host part
 * (/ ? #), is decoded (%), or is refused.
 */
const SAFE_UNESCAPED = /^[A-Za-z0-9\-._~!$&'()*+,;=]*$/;

export function survivesUnescaped(value: string): boolean {
  return SAFE_UNESCAPED.test(value);
}
