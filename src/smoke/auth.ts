import { log } from '../report/log.js';
import { registerSecret } from '../report/redact.js';
import { SmokeTestError } from './errors.js';
import { ROLE_NAMES, explainPushRefusal, projectOf, type PushRefusal } from './harbor-answers.js';
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
  /** registry-url: where the runner reaches Harbor. */
  baseUrl: URL;
  /** external-url, when known: where users reach Harbor, and so where Harbor may announce its token service. */
  externalUrl?: string;
  repository: string;
  username: string;
  password: string;
  /** The input the password came from, to name in a message. */
  passwordInput: 'smoke-test-password' | 'admin-password';
}

/** How to authorize the requests of one scope: a header value, or none for an open registry. */
export interface Authorization {
  /** The current header; a renewal replaces it. */
  header: string | undefined;
  /** The token realm Harbor announced, when the native client fetches tokens elsewhere (docker follows the announced one). */
  announcedRealm?: URL;
  /** Fetches a new token, after a 401 to one that may have expired; fails as the login would when it no longer grants push. */
  renew?: () => Promise<void>;
  /** Fetches a header for another scope (cleanup on a plain registry needs `delete`); Basic auth answers the same. */
  forScope(actions: string): Promise<string | undefined>;
}

/** Basic credentials as a header, registered as a secret in every form they may leave in. */
export function basicAuthorization(username: string, password: string): string {
  registerSecret(password);
  registerSecret(`${username}:${password}`);
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The path of Harbor core's token service (src/core/service/token/, routed in src/core/router.go). */
const HARBOR_TOKEN_PATH = '/service/token';

/**
 * One login try: ping, then answer the challenge. Harbor's token service grants what the caller
 * may do and never refuses a wrong password when a scope is asked for (the caller is then
 * anonymous), so a token without push is diagnosed: wrong password, missing project, role.
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
  const announced = new URL(realm, settings.baseUrl);
  const tokenUrl = tokenServiceUrl(announced, settings, counter);
  const isHarbor = announced.pathname === HARBOR_TOKEN_PATH;
  const service = challenge.params.service;

  const fetchToken = async (actions: string): Promise<string> => {
    const url = new URL(tokenUrl);
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', `repository:${settings.repository}:${actions}`);
    const answer = await http.send('login', 'GET', url, { headers: { Authorization: basic } });
    if (answer.status !== 200) judgeAnswer('token', answer, counter);
    const token = readToken(answer.body);
    if (!token) throw new SmokeTestError(`the token service at ${tokenUrl.origin}${tokenUrl.pathname} answered 200 without a token`, { cause: 'bad-request', attempts: counter.attempts });
    registerSecret(token);
    return `Bearer ${token}`;
  };
  const pushToken = async (): Promise<string> => {
    const header = await fetchToken('pull,push');
    const granted = grantedActions(header.slice('Bearer '.length), settings.repository);
    if (granted === undefined || granted.includes('push')) return header;
    const refusal = isHarbor ? await diagnosePushRefusal(http, settings, tokenUrl, service, basic, granted, counter) : { kind: 'unknown' as const, granted };
    const { cause, message } = explainPushRefusal(refusal, settings);
    throw new SmokeTestError(message, { cause, attempts: counter.attempts });
  };

  const authorization: Authorization = {
    header: await pushToken(),
    announcedRealm: announced.origin === tokenUrl.origin ? undefined : announced,
    forScope: fetchToken,
  };
  authorization.renew = async () => {
    authorization.header = await pushToken();
  };
  return authorization;
}

/**
 * Where to fetch tokens. Harbor announces its own token service (core's /service/token) at its
 * external URL up to v2.13, and at the host the request reached with the external URL's scheme
 * from v2.14 (src/server/middleware/v2auth/auth.go). Either is Harbor core, which registry-url
 * reaches too: tokens are fetched there, so a runner that reaches Harbor only by registry-url
 * logs in all the same. A realm on any other host means Harbor's external URL is not
 * external-url: clients would be sent elsewhere for tokens. A realm that is not Harbor's is
 * followed as announced.
 */
function tokenServiceUrl(announced: URL, settings: LoginSettings, counter: AttemptCounter): URL {
  if (announced.pathname !== HARBOR_TOKEN_PATH) return announced;
  const registry = settings.baseUrl;
  const external = settings.externalUrl ? new URL(settings.externalUrl) : undefined;
  if (announced.host !== registry.host && external && announced.host !== external.host) {
    throw new SmokeTestError(
      `Harbor's token realm ${announced.origin}${announced.pathname} is on neither registry-url (${registry.origin}) nor external-url (${external.origin}). ` +
        "Harbor v2.8–v2.13 builds the realm from its configured external URL, v2.14 and later from the host a request reached, with the external URL's scheme: " +
        `so Harbor's external URL (the chart's externalURL) is not external-url, or a proxy in front of Harbor rewrites the Host header, and docker clients would fetch their tokens from ${announced.host}. ` +
        'Deploy Harbor with external-url set to the address users reach it at, or let the proxy pass the Host header on',
      { cause: 'realm-mismatch', attempts: counter.attempts },
    );
  }
  const url = new URL(announced.pathname, registry.origin);
  if (announced.origin !== registry.origin) {
    log.info(`login: Harbor announces its token service at ${announced.origin}${announced.pathname}; the smoke test reaches it through registry-url ${registry.origin}`);
  }
  return url;
}

function readToken(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    return typeof token === 'string' && token ? token : undefined;
  } catch {
    return undefined;
  }
}

/** The actions the token's access claim grants on the repository; undefined when the token is not a readable JWT (the registry will tell). */
function grantedActions(token: string, repository: string): string[] | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  let claims: { access?: Array<{ type?: string; name?: string; actions?: string[] }> };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return undefined;
  }
  if (!claims.access) return undefined;
  return claims.access.find((entry) => entry.type === 'repository' && entry.name === repository)?.actions ?? [];
}

/**
 * Why Harbor's token grants no push. First the credentials alone: the token service answers 401
 * to a request without scope and without a valid login (src/core/service/token/creator.go), and
 * it accepts an OIDC CLI secret, which /api/v2.0/users/current would refuse
 * (src/server/middleware/security/oidc_cli.go). Then the project as the user sees it through the
 * API: 404 (it does not exist; only a system admin gets this far), 403 (private and not a member,
 * or missing), or the user's role in it.
 */
async function diagnosePushRefusal(
  http: RegistryHttp,
  settings: LoginSettings,
  tokenUrl: URL,
  service: string | undefined,
  basic: string,
  granted: string[],
  counter: AttemptCounter,
): Promise<PushRefusal> {
  const credentialsCheck = new URL(tokenUrl);
  if (service) credentialsCheck.searchParams.set('service', service);
  const check = await http.send('login', 'GET', credentialsCheck, { headers: { Authorization: basic } });
  if (check.status === 401) return { kind: 'wrong-password' };
  if (check.status !== 200) judgeAnswer('token', check, counter);

  const project = projectOf(settings.repository);
  const projectUrl = new URL(`/api/v2.0/projects/${encodeURIComponent(project)}`, settings.baseUrl);
  const answer = await http.send('login', 'GET', projectUrl, { headers: { Authorization: basic, 'X-Is-Resource-Name': 'true' } });
  if (answer.status === 404) return { kind: 'no-project', harborMessage: answer.errorMessage };
  if (answer.status === 403) return { kind: 'project-hidden', harborMessage: answer.errorMessage };
  if (answer.status === 401) return { kind: 'api-refused', oidc: await authModeIsOidc(http, settings.baseUrl), harborMessage: answer.errorMessage };
  if (answer.status >= 500 || answer.status === 429) judgeAnswer('token', answer, counter);
  if (answer.status !== 200) return { kind: 'unknown', granted };
  let roleId: unknown;
  try {
    roleId = (JSON.parse(answer.body.toString('utf8')) as { current_user_role_id?: unknown }).current_user_role_id;
  } catch {
    return { kind: 'unknown', granted };
  }
  const role = typeof roleId === 'number' ? (ROLE_NAMES[roleId] ?? 'none') : 'none';
  return ['projectAdmin', 'maintainer', 'developer'].includes(role) ? { kind: 'unknown', granted } : { kind: 'role', role };
}

/** GET /api/v2.0/systeminfo answers auth_mode to anybody (src/controller/systeminfo/controller.go). */
export async function authModeIsOidc(http: RegistryHttp, baseUrl: URL, step = 'login'): Promise<boolean> {
  try {
    const answer = await http.send(step, 'GET', new URL('/api/v2.0/systeminfo', baseUrl));
    return answer.status === 200 && (JSON.parse(answer.body.toString('utf8')) as { auth_mode?: unknown }).auth_mode === 'oidc_auth';
  } catch {
    return false;
  }
}
