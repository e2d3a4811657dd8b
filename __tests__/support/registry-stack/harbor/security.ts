import type { IncomingMessage } from 'node:http';
import { HARBOR_SAYS, emptyAnswer, harborError, jsonAnswer, type FrontAnswer } from './answers.js';
import { projectOf, type HarborModel, type HarborUser, type Permission } from './model.js';
import { REGISTRY_SERVICE, type Grant, type TokenKeys } from './token.js';

/** Who a request acts as (src/common/security/: local, v2token, or the unauthorized local context). */
export type SecurityContext = { kind: 'anonymous' } | { kind: 'local'; user: HarborUser } | { kind: 'v2token'; username: string; access: Map<string, Set<string>> };

const ANONYMOUS: SecurityContext = { kind: 'anonymous' };

/**
 * src/server/middleware/security/security.go: the first generator that recognises the request
 * wins. Modelled: oidcCli, v2Token, basicAuth, then the unauthorized (anonymous) context. A
 * failed Basic login is no refusal: the request goes on as anonymous (basic_auth.go).
 */
export function securityContext(model: HarborModel, req: IncomingMessage, url: URL, keys: TokenKeys): SecurityContext {
  const header = req.headers.authorization ?? '';
  const basic = parseBasic(header);
  if (basic && model.settings.authMode === 'oidc_auth' && oidcCliPathAllowed(req.method ?? 'GET', url.pathname) && !basic.username.startsWith('robot$')) {
    const user = model.user(basic.username);
    if (user?.oidcCliSecret !== undefined && user.oidcCliSecret === basic.password) return { kind: 'local', user };
  }
  if (url.pathname.startsWith('/v2') && header.includes('Bearer')) {
    const context = tokenContext(model, header.split('Bearer')[1]?.trim() ?? '', keys);
    if (context) return context;
  }
  if (basic) {
    const user = login(model, basic.username, basic.password);
    if (user) return { kind: 'local', user };
  }
  return ANONYMOUS;
}

function parseBasic(header: string): { username: string; password: string } | undefined {
  if (!header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * src/core/auth/authenticator.go Login: the super user (user id 1) always by its database
 * password; others by the auth mode's authenticator, which in OIDC mode supports no password
 * login at all (src/core/auth/oidc/oidc.go). Not modelled: the 1.5 s lock after a failed login.
 */
function login(model: HarborModel, username: string, password: string): HarborUser | undefined {
  const user = model.user(username);
  if (!user || user.password === undefined) return undefined;
  if (model.settings.authMode === 'oidc_auth' && user.userId !== 1) return undefined;
  return user.password === password ? user : undefined;
}

/** Where an OIDC CLI secret counts (src/server/middleware/security/oidc_cli.go valid()). */
function oidcCliPathAllowed(method: string, rawPath: string): boolean {
  const path = rawPath.replace(/\/$/, '');
  if (path === '/service/token' || path.startsWith('/v2')) return true;
  const base = '/api/v2.0';
  if (method === 'POST' && path === `${base}/projects`) return true;
  if (method === 'GET') {
    if ([`${base}/projects`, `${base}/systeminfo`, '/api/version', `${base}/labels`].includes(path)) return true;
    if (/^\/api\/v2\.0\/projects\/.*\/repositories$/.test(path) || /^\/api\/v2\.0\/projects\/.*\/repositories\/.*\/artifacts$/.test(path)) return true;
  }
  return method === 'DELETE' && /^\/api\/v2\.0\/projects\/.*\/repositories\/.*\/artifacts\/.*\/tags\/.*$/.test(path);
}

/**
 * src/server/middleware/security/v2_token.go: a token signed by core, for the registry service,
 * not expired: 60 s of leeway from v2.11 (jwt.WithLeeway), none before (Claims.Valid in v2.8 …
 * v2.10). Anything else is no token context: the request goes on as anonymous.
 */
function tokenContext(model: HarborModel, token: string, keys: TokenKeys): SecurityContext | undefined {
  const claims = keys.verify(token);
  if (!claims || claims.aud !== REGISTRY_SERVICE) return undefined;
  const leeway = model.minorVersion() >= 11 ? 60 : 0;
  const now = model.now().getTime() / 1000;
  if (now > claims.exp + leeway || now + leeway < claims.nbf) return undefined;
  // src/common/security/v2token/context.go: the access map is kept per project.
  const access = new Map<string, Set<string>>();
  for (const grant of claims.access) if (grant.type === 'repository') access.set(projectOf(grant.name), new Set(grant.actions.flatMap((action) => (action === '*' ? ['pull', 'push', 'delete'] : [action]))));
  return { kind: 'v2token', username: claims.sub, access };
}

export function isAuthenticated(context: SecurityContext): boolean {
  return context.kind === 'local' || (context.kind === 'v2token' && context.username !== '');
}

export function username(context: SecurityContext): string {
  return context.kind === 'local' ? context.user.username : context.kind === 'v2token' ? context.username : '';
}

/** Whether the context may do `permission` in a project: a token only grants repository actions (v2token/context.go). */
export function can(model: HarborModel, context: SecurityContext, permission: Permission, projectName: string): boolean {
  if (context.kind === 'v2token') {
    const [resource, action] = permission.split(':');
    return resource === 'repository' && model.project(projectName) !== undefined && (context.access.get(projectName)?.has(action ?? '') ?? false);
  }
  return model.userCan(context.kind === 'local' ? context.user : undefined, permission, projectName);
}

/**
 * /service/token (src/core/service/token/token.go, creator.go, authutils.go). Credentials that
 * do not log in are no refusal: with a scope the caller is anonymous and gets what anonymous may
 * do; only a request without scope and without valid credentials is answered 401 (empty body).
 * Each repository scope is answered with every action the caller may take on it, whatever it
 * asked for; a project that does not exist gets none.
 */
export function issueToken(model: HarborModel, context: SecurityContext, url: URL, keys: TokenKeys): FrontAnswer {
  const service = url.searchParams.get('service') ?? '';
  if (service !== REGISTRY_SERVICE) {
    return { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: Buffer.from(`Unable to handle service: ${service}`) };
  }
  const scopes = url.searchParams.getAll('scope').flatMap((scope) => scope.split(' ')).filter(Boolean);
  if (!isAuthenticated(context) && scopes.length === 0) return emptyAnswer(401);
  const access = scopes.map((scope) => filterAccess(model, context, scope));
  const now = Math.floor(model.now().getTime() / 1000);
  const expiresIn = model.settings.tokenExpirationSeconds;
  const token = keys.sign({ sub: username(context), exp: now + expiresIn, nbf: now, iat: now, access });
  // src/common/models/token.go: access_token has no omitempty.
  return jsonAnswer(200, { token, access_token: '', expires_in: expiresIn, issued_at: model.now().toISOString().replace(/\.\d{3}Z$/, 'Z') });
}

/** GetResourceActions + repositoryFilter / registryFilter (creator.go); unknown types get no actions. */
function filterAccess(model: HarborModel, context: SecurityContext, scope: string): Grant {
  const items = scope.split(':');
  const type = items[0] ?? '';
  const name = items.length > 2 ? items.slice(1, -1).join(':') : (items[1] ?? '');
  const requested = items.length > 2 && items.at(-1) ? items.at(-1)!.split(',') : [];
  if (type === 'registry' && name === 'catalog') return { type, name, actions: context.kind === 'local' && context.user.sysadmin ? requested : [] };
  if (type !== 'repository' || !name.includes('/')) return { type, name, actions: [] };
  const project = projectOf(name);
  if (!model.project(project)) return { type, name, actions: [] };
  // scanner-pull is a robot's: no role has it, and the admin evaluator refuses it (src/pkg/permission/evaluator/admin/admin.go).
  const actions = (['delete', 'pull', 'push'] as const).filter((action) => can(model, context, `repository:${action}`, project));
  return { type, name, actions };
}

/**
 * The Bearer realm (src/server/middleware/v2auth/auth.go): up to v2.13 the external URL
 * (tokenSvcEndpoint → config.ExtEndpoint); from v2.14 the external URL's scheme with the host the
 * request came to (tokenSvcURL, goharbor/harbor#21898). Not modelled: the internal core URL match.
 */
export function tokenRealm(model: HarborModel, requestHost: string | undefined): string {
  const external = model.settings.externalUrl.replace(/\/$/, '');
  if (model.minorVersion() < 14 || !requestHost) return `${external}/service/token`;
  const scheme = external.split('://')[0];
  return `${scheme}://${requestHost}/service/token`;
}

/** One access a /v2 request needs (src/server/middleware/v2auth/access.go). */
export type V2Access = { target: 'login' } | { target: 'catalog' } | { target: 'repository'; name: string; action: 'pull' | 'push' | 'delete' };

/** scopeStr (access.go): push asks for pull,push. */
function scopeOf(access: V2Access): string {
  if (access.target !== 'repository') return '';
  return `repository:${access.name}:${access.action === 'push' ? 'pull,push' : access.action}`;
}

/**
 * v2auth's check (auth.go): a 401 with a challenge, or undefined to let the request through. A
 * missing project is a 401 without challenge; HEAD/GET of a repository without credentials is
 * always challenged (goharbor/harbor#11271).
 */
export function authorizeV2(model: HarborModel, context: SecurityContext, req: IncomingMessage, accesses: V2Access[], path: string): FrontAnswer | undefined {
  const method = req.method ?? 'GET';
  const refuse = (message: string, challenge: string): FrontAnswer =>
    harborError('UNAUTHORIZED', message, { 'Docker-Distribution-Api-Version': 'registry/2.0', 'Www-Authenticate': challenge });
  const challenge = (): string => {
    if (req.headers.authorization) return 'Basic realm="harbor"';
    const scope = accesses.map(scopeOf).filter(Boolean).join(' ');
    return `Bearer realm="${tokenRealm(model, req.headers.host)}",service="${REGISTRY_SERVICE}"${scope ? `,scope="${scope}"` : ''}`;
  };
  if (accesses.length === 0) return refuse(`un-recognized request: ${method} ${path}: un-recognized request: ${method} ${path}`, '');
  for (const access of accesses) {
    if (access.target === 'login' && !isAuthenticated(context)) return refuse(HARBOR_SAYS.loginRequired, challenge());
    if (access.target === 'catalog' && !(context.kind === 'local' && context.user.sysadmin)) return refuse('unauthorized to list catalog: unauthorized to list catalog', challenge());
    if (access.target !== 'repository') continue;
    if (!req.headers.authorization && (method === 'HEAD' || method === 'GET')) {
      return refuse('authorize header needed to send HEAD to repository: authorize header needed to send HEAD to repository', challenge());
    }
    const project = projectOf(access.name);
    if (!model.project(project)) return refuse(HARBOR_SAYS.projectNotFoundOnV2(project), '');
    if (!can(model, context, `repository:${access.action}`, project)) return refuse(HARBOR_SAYS.repositoryDenied(access.name, access.action), challenge());
  }
  return undefined;
}
