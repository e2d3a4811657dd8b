import type { Authorization } from './auth.js';
import type { RegistryHttp } from './http.js';
import type { RetryContext } from './retry-policy.js';

/** What the steps of one smoke test share: where to send, how to authorize, how long to keep trying. */
export interface RegistrySession {
  http: RegistryHttp;
  baseUrl: URL;
  repository: string;
  authorization: Authorization;
  retry: RetryContext;
}

export function headersFor(session: RegistrySession, extra: Record<string, string> = {}): Record<string, string> {
  return session.authorization.header ? { Authorization: session.authorization.header, ...extra } : extra;
}

export function repositoryUrl(session: RegistrySession, suffix: string): URL {
  return new URL(`/v2/${session.repository}/${suffix}`, session.baseUrl);
}
