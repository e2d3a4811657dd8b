import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { forward, type OutgoingRequest } from '../http-body.js';
import { HARBOR_SAYS, harborError, type FrontAnswer } from './answers.js';
import { findArtifact, harborApi } from './api.js';
import { projectOf, repositoryNameInProject, type Artifact, type HarborModel, type Project } from './model.js';
import { authorizeV2, issueToken, securityContext, type SecurityContext, type V2Access } from './security.js';
import { createTokenKeys } from './token.js';

/** The registry behind core, and core's credentials for it (the chart's registry.credentials, htpasswd on the registry). */
export interface RegistryBackend {
  url: URL;
  username: string;
  password: string;
}

/**
 * Harbor core as clients meet it: it serves /v2 itself (v2auth, then the route's middlewares,
 * then a reverse proxy to the registry with core's Basic credentials: src/server/registry/),
 * /service/token and /api/v2.0. The registry never sees a client's credentials.
 */
export interface HarborCore {
  model: HarborModel;
  handle(req: IncomingMessage, url: URL, body: Buffer): Promise<FrontAnswer>;
  /** Deletes an artifact the way another Harbor user would (through the artifact controller). */
  deleteArtifact(repository: string, digest: string): Promise<void>;
  /** Core's Basic header for the registry, for a test to look behind Harbor. */
  registryAuthorization: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function createHarborCore(model: HarborModel, registry: RegistryBackend): HarborCore {
  const keys = createTokenKeys();
  /** Bytes each upload session accepted by PATCH (src/controller/blob GetAcceptedBlobSize). */
  const acceptedUploadBytes = new Map<string, number>();
  const coreAuthorization = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;

  /** src/server/registry/proxy.go: the request as it came (Host kept, so upload Locations point at core), core's credentials instead of the client's. */
  const toRegistry = (req: IncomingMessage, path: string, body: Buffer): Promise<FrontAnswer> => {
    const request: OutgoingRequest = { method: req.method ?? 'GET', path, headers: { ...req.headers, authorization: coreAuthorization } };
    return forward(registry.url, request, body);
  };

  /**
   * src/controller/artifact/controller.go deleteDeeply: each tag is deleted through the tag
   * controller, which refuses an immutable one (412); then the artifact row. The manifest leaves
   * the registry at the next garbage collection (artifact_trash); the model deletes it at once.
   */
  const deleteArtifact = async (artifact: Artifact): Promise<FrontAnswer | undefined> => {
    const project = model.project(projectOf(artifact.repository));
    const immutable = artifact.tags.find((tag) => project?.immutableTags?.test(tag));
    if (immutable) return harborError('PRECONDITION', HARBOR_SAYS.immutableDelete(immutable));
    model.removeArtifact(artifact);
    const answer = await forward(
      registry.url,
      { method: 'DELETE', path: `/v2/${artifact.repository}/manifests/${artifact.digest}`, headers: { host: registry.url.host, authorization: coreAuthorization } },
      Buffer.alloc(0),
    );
    if (answer.status !== 202 && answer.status !== 404) throw new Error(`registry refused to delete ${artifact.repository}@${artifact.digest}: ${answer.status}`);
    return undefined;
  };

  const handle = async (req: IncomingMessage, url: URL, body: Buffer): Promise<FrontAnswer> => {
    const method = req.method ?? 'GET';
    const context = securityContext(model, req, url, keys);
    // src/core/middlewares/middlewares.go: readonly runs on every request, before any route; POST /service/token is skipped.
    if (model.settings.readOnly && !SAFE_METHODS.has(method) && !(method === 'POST' && url.pathname.startsWith('/service/token'))) {
      return harborError('DENIED', HARBOR_SAYS.readOnly);
    }
    if (url.pathname === '/service/token') {
      if (method !== 'GET') return { status: 405, headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('Method Not Allowed') };
      return issueToken(model, context, url, keys);
    }
    if (url.pathname.startsWith('/api/')) return harborApi(model, context, req, url, deleteArtifact);
    if (url.pathname === '/v2' || url.pathname.startsWith('/v2/')) return registryApi(req, url, body, context);
    return { status: 404, headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('404 page not found') };
  };

  /** src/server/registry/route.go: v2auth for every /v2 request, then each route's middlewares. */
  const registryApi = async (req: IncomingMessage, url: URL, body: Buffer, context: SecurityContext): Promise<FrontAnswer> => {
    const method = req.method ?? 'GET';
    const route = parseV2Path(url);
    const refused = authorizeV2(model, context, req, accessesOf(method, url, route), url.pathname);
    if (refused) return refused;
    const requestPath = req.url ?? url.pathname;
    if (route.kind === 'manifest') {
      const project = model.project(projectOf(route.repository))!;
      if (method === 'GET' || method === 'HEAD') return getManifest(req, route.repository, route.reference, project, body);
      if (method === 'PUT') return putManifest(req, route.repository, route.reference, project, body);
      if (method === 'DELETE') return deleteManifest(route.repository, route.reference);
    }
    if (route.kind === 'upload') {
      const project = model.project(projectOf(route.repository))!;
      if (method === 'POST' && project.proxyCache) return harborError('DENIED', HARBOR_SAYS.proxyCachePush(project.name));
      if (method === 'PATCH') {
        const answer = await toRegistry(req, requestPath, body);
        if (answer.status === 202) acceptedUploadBytes.set(route.session, (acceptedUploadBytes.get(route.session) ?? 0) + body.length);
        return answer;
      }
      if (method === 'PUT') return commitBlob(req, url, route.session, project, body);
    }
    return toRegistry(req, requestPath, body);
  };

  /**
   * GET/HEAD of a manifest: the content-trust and vulnerability policies (both answer 412
   * PROJECTPOLICYVIOLATION), then getManifest (src/server/registry/manifest.go), which finds the
   * artifact in Harbor's database (404 when it is not there) and asks the registry by digest.
   */
  const getManifest = async (req: IncomingMessage, repository: string, reference: string, project: Project, body: Buffer): Promise<FrontAnswer> => {
    const found = findArtifact(model, repository, reference);
    if (project.cosignRequired) {
      if ('status' in found) return found;
      // The smoke image carries no cosign signature accessory.
      return harborError('PROJECTPOLICYVIOLATION', HARBOR_SAYS.notSignedByCosign(model.minorVersion()));
    }
    if (project.preventVulnerable) {
      if ('status' in found) return found;
      const { severity, autoScan, scanRunningForChecks = 0 } = project.preventVulnerable;
      const severityName = severity.charAt(0).toUpperCase() + severity.slice(1);
      if (!autoScan) return harborError('PROJECTPOLICYVIOLATION', HARBOR_SAYS.notScanned(severityName));
      found.vulnerabilityChecks += 1;
      if (found.vulnerabilityChecks <= scanRunningForChecks) return harborError('PROJECTPOLICYVIOLATION', HARBOR_SAYS.scanNotSucceeded('Running', severityName));
    }
    if ('status' in found) return found;
    return toRegistry(req, `/v2/${repository}/manifests/${found.digest}`, body);
  };

  /**
   * PUT of a manifest: no push into a proxy cache project (repoproxy), none over an existing
   * immutable tag (immutable/pushmf.go), the storage quota (quota/put_manifest.go), then
   * putManifest: from v2.15 the registry gets the manifest by digest and only Harbor keeps the
   * tag; the artifact and its tag are recorded once the registry took it.
   */
  const putManifest = async (req: IncomingMessage, repository: string, reference: string, project: Project, body: Buffer): Promise<FrontAnswer> => {
    if (project.proxyCache) return harborError('DENIED', HARBOR_SAYS.proxyCachePush(project.name));
    const tag = reference.startsWith('sha256:') ? undefined : reference;
    if (tag && model.artifactByTag(repository, tag) && project.immutableTags?.test(tag)) {
      return harborError('PRECONDITION', HARBOR_SAYS.immutablePush(repositoryNameInProject(repository), tag));
    }
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const size = project.blobs.has(digest) ? 0 : body.length;
    const overQuota = reserveStorage(project, size);
    if (overQuota) return overQuota;
    const path = tag && model.minorVersion() >= 15 ? `/v2/${repository}/manifests/${digest}` : (req.url ?? '');
    const answer = await toRegistry(req, path, body);
    if (answer.status !== 201) {
      project.storageUsed -= size;
      return answer;
    }
    const stored = String(answer.headers['docker-content-digest'] ?? digest);
    project.blobs.add(stored);
    model.ensureArtifact(repository, stored, body.length + referencedSize(body), tag);
    return answer;
  };

  /** src/server/registry/manifest.go deleteManifest: by digest only, through the artifact controller, 202. */
  const deleteManifest = async (repository: string, reference: string): Promise<FrontAnswer> => {
    if (!reference.startsWith('sha256:')) return harborError('UNSUPPORTED', HARBOR_SAYS.deleteByTag(reference));
    const found = findArtifact(model, repository, reference);
    if ('status' in found) return found;
    return (await deleteArtifact(found)) ?? { status: 202, headers: {}, body: Buffer.alloc(0) };
  };

  /** A blob commit: the storage quota for a blob new to the project (quota/put_blob_upload.go), then the registry. */
  const commitBlob = async (req: IncomingMessage, url: URL, session: string, project: Project, body: Buffer): Promise<FrontAnswer> => {
    const digest = url.searchParams.get('digest') ?? '';
    const size = project.blobs.has(digest) ? 0 : body.length || (acceptedUploadBytes.get(session) ?? 0);
    const overQuota = reserveStorage(project, size);
    if (overQuota) return overQuota;
    const answer = await toRegistry(req, req.url ?? '', body);
    acceptedUploadBytes.delete(session);
    if (answer.status === 201) project.blobs.add(digest);
    else project.storageUsed -= size;
    return answer;
  };

  return {
    model,
    handle,
    registryAuthorization: coreAuthorization,
    deleteArtifact: async (repository, digest) => {
      const artifact = model.artifactByDigest(repository, digest);
      if (!artifact) throw new Error(`no artifact ${repository}@${digest}`);
      const refused = await deleteArtifact(artifact);
      if (refused) throw new Error(`Harbor refused to delete ${repository}@${digest}: ${refused.body.toString('utf8')}`);
    },
  };
}

/** src/controller/quota/controller.go reserveResources: the whole addition must fit under the hard limit. */
function reserveStorage(project: Project, size: number): FrontAnswer | undefined {
  const limit = project.storageLimit ?? -1;
  if (size > 0 && limit >= 0 && project.storageUsed + size > limit) {
    return harborError('DENIED', HARBOR_SAYS.quotaExceeded(size, project.storageUsed, limit));
  }
  project.storageUsed += size;
  return undefined;
}

/** The sizes of the config and layers a manifest names (Harbor's artifact size includes them). */
function referencedSize(manifest: Buffer): number {
  try {
    const parsed = JSON.parse(manifest.toString('utf8')) as { config?: { size?: number }; layers?: Array<{ size?: number }> };
    return (parsed.config?.size ?? 0) + (parsed.layers ?? []).reduce((sum, layer) => sum + (layer.size ?? 0), 0);
  } catch {
    return 0;
  }
}

type V2Route =
  | { kind: 'ping' }
  | { kind: 'catalog' }
  | { kind: 'manifest'; repository: string; reference: string }
  | { kind: 'upload'; repository: string; session: string }
  | { kind: 'blob'; repository: string }
  | { kind: 'tags'; repository: string }
  | { kind: 'unknown' };

/** The repository and reference of a /v2 path (src/server/middleware/artifactinfo/, distribution's routes). */
function parseV2Path(url: URL): V2Route {
  const path = url.pathname;
  if (path === '/v2/' || path === '/v2') return { kind: 'ping' };
  if (path === '/v2/_catalog') return { kind: 'catalog' };
  let match = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
  if (match) return { kind: 'manifest', repository: match[1]!, reference: match[2]! };
  match = /^\/v2\/(.+)\/blobs\/uploads\/?([^/]*)$/.exec(path);
  if (match) return { kind: 'upload', repository: match[1]!, session: match[2]! };
  match = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
  if (match) return { kind: 'blob', repository: match[1]! };
  match = /^\/v2\/(.+)\/tags\/list$/.exec(path);
  if (match) return { kind: 'tags', repository: match[1]! };
  return { kind: 'unknown' };
}

/** src/server/middleware/v2auth/access.go accessList: the action from the method; a blob mount also needs pull on its source. */
function accessesOf(method: string, url: URL, route: V2Route): V2Access[] {
  if (route.kind === 'ping') return [{ target: 'login' }];
  if (route.kind === 'catalog') return [{ target: 'catalog' }];
  if (route.kind === 'unknown') return [];
  const action = ({ POST: 'push', PATCH: 'push', PUT: 'push', GET: 'pull', HEAD: 'pull', DELETE: 'delete' } as const)[method as 'GET'];
  if (!action) return [];
  const accesses: V2Access[] = [{ target: 'repository', name: route.repository, action }];
  const mountFrom = url.searchParams.get('from');
  if (method === 'POST' && mountFrom) accesses.push({ target: 'repository', name: mountFrom, action: 'pull' });
  return accesses;
}
