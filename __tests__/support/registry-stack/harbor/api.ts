import type { IncomingMessage } from 'node:http';
import { HARBOR_SAYS, emptyAnswer, harborError, jsonAnswer, type FrontAnswer } from './answers.js';
import type { Artifact, HarborModel, Permission } from './model.js';
import { can, isAuthenticated, type SecurityContext } from './security.js';

/** Deletes an artifact as Harbor's artifact controller does, or answers why not. */
export type ArtifactDeleter = (artifact: Artifact) => Promise<FrontAnswer | undefined>;

const BASE = '/api/v2.0';

/**
 * The few /api/v2.0 operations the smoke test and its tests use (src/server/v2.0/handler/).
 * Anything else answers 404, as go-swagger's router does for an unknown path.
 */
export async function harborApi(model: HarborModel, context: SecurityContext, req: IncomingMessage, url: URL, deleteArtifact: ArtifactDeleter): Promise<FrontAnswer> {
  const method = req.method ?? 'GET';
  const path = url.pathname;
  if (method === 'GET' && path === `${BASE}/ping`) return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: Buffer.from('Pong') };
  if (method === 'GET' && path === `${BASE}/health`) return jsonAnswer(200, { status: 'healthy', components: [{ name: 'core', status: 'healthy' }, { name: 'registry', status: 'healthy' }] });
  if (method === 'GET' && path === `${BASE}/systeminfo`) return systemInfo(model, context);
  if (method === 'GET' && path === `${BASE}/users/current`) return currentUser(context);
  const projectMatch = /^\/api\/v2\.0\/projects\/([^/]+)$/.exec(path);
  if (method === 'GET' && projectMatch) return getProject(model, context, decodeURIComponent(projectMatch[1]!), req.headers['x-is-resource-name'] === 'true');
  const artifactsMatch = /^\/api\/v2\.0\/projects\/([^/]+)\/repositories\/([^/]+)\/artifacts(?:\/([^/]+))?$/.exec(path);
  if (artifactsMatch) {
    const project = decodeURIComponent(artifactsMatch[1]!);
    // A '/' inside the repository name arrives encoded twice (%252F).
    const repository = `${project}/${decodeURIComponent(decodeURIComponent(artifactsMatch[2]!))}`;
    const reference = artifactsMatch[3] ? decodeURIComponent(artifactsMatch[3]) : undefined;
    if (method === 'GET' && !reference) return listArtifacts(model, context, project, repository);
    if (method === 'DELETE' && reference) return deleteArtifactByReference(model, context, project, repository, reference, deleteArtifact);
  }
  return harborError('NOT_FOUND', `path ${path} was not found`);
}

/** src/server/v2.0/handler/base.go RequireProjectAccess: 401 for anonymous, 403 for a user without the permission. */
function requireProjectAccess(model: HarborModel, context: SecurityContext, project: string, permission: Permission): FrontAnswer | undefined {
  if (can(model, context, permission, project)) return undefined;
  return isAuthenticated(context) ? harborError('FORBIDDEN', HARBOR_SAYS.apiForbidden) : harborError('UNAUTHORIZED', HARBOR_SAYS.apiUnauthorized);
}

/** src/server/v2.0/handler/systeminfo.go, src/controller/systeminfo/controller.go: the protected part only for a logged-in caller. */
function systemInfo(model: HarborModel, context: SecurityContext): FrontAnswer {
  const { settings } = model;
  const general = { auth_mode: settings.authMode, primary_auth_mode: false, self_registration: false, banner_message: '', oidc_provider_name: settings.authMode === 'oidc_auth' ? 'oidc' : '' };
  if (!isAuthenticated(context)) return jsonAnswer(200, general);
  return jsonAnswer(200, {
    ...general,
    current_time: model.now().toISOString(),
    // version.ReleaseVersion-version.GitCommit; the model has no commit.
    harbor_version: `v${settings.version}-front`,
    external_url: settings.externalUrl,
    registry_url: settings.externalUrl.split('://')[1] ?? settings.externalUrl,
    read_only: settings.readOnly,
    has_ca_root: false,
    project_creation_restriction: 'everyone',
    registry_storage_provider_name: 'filesystem',
    notification_enable: true,
  });
}

/** src/server/v2.0/handler/user.go GetCurrentUserInfo: RequireAuthenticated, then the local user. */
function currentUser(context: SecurityContext): FrontAnswer {
  if (context.kind !== 'local') return harborError('UNAUTHORIZED', HARBOR_SAYS.apiUnauthorized);
  const { user } = context;
  return jsonAnswer(200, {
    user_id: user.userId,
    username: user.username,
    email: '',
    realname: user.username,
    comment: '',
    sysadmin_flag: user.sysadmin ?? false,
    admin_role_in_auth: false,
    creation_time: user.createdAt.toISOString(),
    update_time: user.createdAt.toISOString(),
  });
}

/** src/server/v2.0/handler/project.go GetProject, with current_user_role_id (highestRole) and registry_id. */
function getProject(model: HarborModel, context: SecurityContext, nameOrId: string, isName: boolean): FrontAnswer {
  // parseProjectNameOrID: a number is an id unless X-Is-Resource-Name says otherwise; ids are not modelled.
  if (!isName && /^\d+$/.test(nameOrId)) return harborError('NOT_FOUND', `project ${nameOrId} not found`);
  const refused = requireProjectAccess(model, context, nameOrId, 'project:read');
  if (refused) return refused;
  const project = model.project(nameOrId);
  if (!project) return harborError('NOT_FOUND', HARBOR_SAYS.projectNotFound(nameOrId));
  const user = context.kind === 'local' ? context.user : undefined;
  const roleId = model.highestRoleId(user, project);
  return jsonAnswer(200, {
    project_id: project.projectId,
    name: project.name,
    owner_id: 1,
    owner_name: 'admin',
    creation_time: project.createdAt.toISOString(),
    update_time: project.createdAt.toISOString(),
    repo_count: 0,
    current_user_role_id: roleId,
    current_user_role_ids: roleId ? [roleId] : null,
    registry_id: project.proxyCache ? 1 : null,
    metadata: {
      public: String(project.public ?? false),
      ...(project.cosignRequired ? { enable_content_trust_cosign: 'true' } : {}),
      ...(project.preventVulnerable
        ? { prevent_vul: 'true', severity: project.preventVulnerable.severity, auto_scan: String(project.preventVulnerable.autoScan) }
        : {}),
    },
    cve_allowlist: { items: [], project_id: project.projectId },
  });
}

/** src/server/v2.0/handler/artifact.go ListArtifacts (tags included, as with_tag=true, its default). */
function listArtifacts(model: HarborModel, context: SecurityContext, project: string, repository: string): FrontAnswer {
  const refused = requireProjectAccess(model, context, project, 'artifact:list');
  if (refused) return refused;
  const artifacts = model.artifacts(repository).map((artifact) => ({
    id: artifact.id,
    digest: artifact.digest,
    repository_name: artifact.repository,
    size: artifact.size,
    push_time: artifact.pushedAt.toISOString(),
    tags: artifact.tags.map((name) => ({ name, repository_id: 0, artifact_id: artifact.id, immutable: model.project(project)?.immutableTags?.test(name) ?? false })),
  }));
  return jsonAnswer(200, artifacts, { 'X-Total-Count': String(artifacts.length) });
}

/**
 * src/server/v2.0/handler/artifact.go DeleteArtifact: artifact:delete on the project (maintainer
 * and up), the artifact by tag or digest (404 when gone), then the controller's delete.
 */
async function deleteArtifactByReference(model: HarborModel, context: SecurityContext, project: string, repository: string, reference: string, deleteArtifact: ArtifactDeleter): Promise<FrontAnswer> {
  const refused = requireProjectAccess(model, context, project, 'artifact:delete');
  if (refused) return refused;
  const found = findArtifact(model, repository, reference);
  if ('status' in found) return found;
  return (await deleteArtifact(found)) ?? emptyAnswer(200);
}

/** src/controller/artifact/controller.go GetByReference: by digest, or by tag through the repository. */
export function findArtifact(model: HarborModel, repository: string, reference: string): Artifact | FrontAnswer {
  if (reference.startsWith('sha256:')) {
    return model.artifactByDigest(repository, reference) ?? harborError('NOT_FOUND', HARBOR_SAYS.artifactDigestNotFound(repository, reference));
  }
  if (!model.hasRepository(repository)) return harborError('NOT_FOUND', HARBOR_SAYS.repositoryNotFound(repository));
  return model.artifactByTag(repository, reference) ?? harborError('NOT_FOUND', HARBOR_SAYS.artifactTagNotFound(repository, reference));
}
