import { registerSecret } from '../report/redact.js';
import { SmokeTestError } from './errors.js';
import type { RegistryHttp } from './http.js';
import { judgeAnswer, type AttemptCounter } from './retry-policy.js';

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  for (const param of (match[2] ?? '').matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)) {
    params[param[1]!.toLowerCase()] = param[2] ?? param[3] ?? '';
  }
  return { scheme, params };
}

export interface LoginSettings {
  baseUrl: URL;
  externalUrl?: string;
  repository: string;
  username: string;
  password: string;
}

/** How to authorize the requests of one scope: a header value, or none for an open registry. */
export interface Authorization {
  header: string | undefined;
  /** Fetches a header for another scope (cleanup needs `delete`); Basic auth answers the same. */
  forScope(actions: string): Promise<string | undefined>;
}

/** Basic credentials as a header, registered as a secret in every form they may leave in. */
export function basicAuthorization(username: string, password: string): string {
  registerSecret(password);
  registerSecret(`${username}:${password}`);
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * One login try: ping, then answer the challenge. Harbor answers with a Bearer challenge whose
 * realm is built from the request's host: a realm on another host than external-url means
 * Harbor's external URL is not the one users reach it by.
 */
export async function login(http: RegistryHttp, settings: LoginSettings, counter: AttemptCounter): Promise<Authorization> {
  const basic = basicAuthorization(settings.username, settings.password);
  const ping = await http.send('login', 'GET', new URL('/v2/', settings.baseUrl));
  if (ping.status === 200) return { header: undefined, forScope: () => Promise.resolve(undefined) };
  if (ping.status !== 401) judgeAnswer('ping', ping, counter);
  const challenge = parseChallenge(ping.headers.get('www-authenticate'));
  if (!challenge) {
    throw new SmokeTestError('the registry answered 401 without a usable WWW-Authenticate challenge', { cause: 'bad-request', attempts: counter.attempts });
  }
  if (challenge.scheme === 'basic') {
    const check = await http.send('login', 'GET', new URL('/v2/', settings.baseUrl), { headers: { Authorization: basic } });
    if (check.status !== 200) judgeAnswer('login', check, counter);
    return { header: basic, forScope: () => Promise.resolve(basic) };
  }
  const realm = challenge.params.realm;
  if (!realm) throw new SmokeTestError('the Bearer challenge names no token realm', { cause: 'bad-request', attempts: counter.attempts });
  const realmUrl = new URL(realm, settings.baseUrl);
  checkRealmHost(realmUrl, settings.externalUrl, counter);
  const fetchToken = async (actions: string): Promise<string> => {
    const tokenUrl = new URL(realmUrl);
    if (challenge.params.service) tokenUrl.searchParams.set('service', challenge.params.service);
    tokenUrl.searchParams.set('scope', `repository:${settings.repository}:${actions}`);
    const answer = await http.send('login', 'GET', tokenUrl, { headers: { Authorization: basic } });
    if (answer.status !== 200) judgeAnswer('token', answer, counter);
    const token = readToken(answer.body);
    if (!token) throw new SmokeTestError(`the token service at ${realmUrl.origin}${realmUrl.pathname} answered 200 without a token`, { cause: 'bad-request', attempts: counter.attempts });
    registerSecret(token);
    return `Bearer ${token}`;
  };
  const header = await fetchToken('pull,push');
  checkPushGranted(header.slice('Bearer '.length), settings.repository, counter);
  return { header, forScope: fetchToken };
}

function checkRealmHost(realm: URL, externalUrl: string | undefined, counter: AttemptCounter): void {
  if (!externalUrl) return;
  const external = new URL(externalUrl);
  if (realm.host === external.host) return;
  throw new SmokeTestError(
    `the token realm ${realm.origin} differs from external-url ${external.origin}: Harbor builds the realm from the host it was reached by, so set external-url to the address clients use`,
    { cause: 'realm-mismatch', attempts: counter.attempts },
  );
}

function readToken(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
    const token = typeof parsed.token === 'string' ? parsed.token : parsed.access_token;
    return typeof token === 'string' && token ? token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Harbor's token service answers 200 even when it grants nothing (a missing project, a user
 * without push rights): the token's access claim says so before the first push request does.
 */
function checkPushGranted(token: string, repository: string, counter: AttemptCounter): void {
  const payload = token.split('.')[1];
  if (!payload) return;
  let claims: { access?: Array<{ type?: string; name?: string; actions?: string[] }> };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return; // Not a JWT: the registry will tell.
  }
  if (!claims.access) return;
  const grant = claims.access.find((entry) => entry.type === 'repository' && entry.name === repository);
  if (grant?.actions?.includes('push')) return;
  throw new SmokeTestError(`the token grants no push on ${repository}: the project does not exist or the user may not push to it`, {
    cause: 'not-found',
    attempts: counter.attempts,
  });
}
