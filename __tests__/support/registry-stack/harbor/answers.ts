/**
 * What Harbor core sends back, word for word. Each message names the goharbor/harbor file it comes
 * from (checked at v2.8.0, v2.13.5, v2.14.0 and v2.15.2 unless a version is named).
 */

/** One answer of the front, read whole. */
export interface FrontAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Error codes and their statuses (src/lib/errors/const.go, codeMap in src/lib/http/error.go). */
const STATUS_OF_CODE = {
  BAD_REQUEST: 400,
  UNSUPPORTED: 400,
  MANIFEST_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  DENIED: 403,
  NOT_FOUND: 404,
  PRECONDITION: 412,
  PROJECTPOLICYVIOLATION: 412,
  UNKNOWN: 500,
} as const;
export type HarborErrorCode = keyof typeof STATUS_OF_CODE;

/**
 * src/lib/http/error.go SendError: `{"errors":[{"code":…,"message":…}]}` and a newline (Fprintln),
 * status from the code. The message is the error's own message, then ": " and its cause's when
 * it has one (src/lib/errors/errors.go Error.MarshalJSON).
 */
export function harborError(code: HarborErrorCode, message: string, headers: Record<string, string> = {}): FrontAnswer {
  return {
    status: STATUS_OF_CODE[code],
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: Buffer.from(`${JSON.stringify({ errors: [{ code, message }] })}\n`),
  };
}

export function jsonAnswer(status: number, value: unknown, headers: Record<string, string> = {}): FrontAnswer {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: Buffer.from(JSON.stringify(value)) };
}

export function emptyAnswer(status: number): FrontAnswer {
  return { status, headers: {}, body: Buffer.alloc(0) };
}

/** `errors.X(cause).WithMessage(cause.Error())`, as v2auth does: the cause's text twice. */
function twice(text: string): string {
  return `${text}: ${text}`;
}

export const HARBOR_SAYS = {
  /** src/server/middleware/readonly/readonly.go */
  readOnly: 'The system is in read only mode. Any modification is prohibited.',
  /** src/server/middleware/v2auth/auth.go: the login target of GET /v2/ without credentials. */
  loginRequired: twice('unauthorized'),
  /** src/server/middleware/v2auth/auth.go check(), action as in src/common/rbac/const.go. */
  repositoryDenied: (repository: string, action: string) => twice(`unauthorized to access repository: ${repository}, action: ${action}`),
  /** src/pkg/project/dao/dao.go GetByName, wrapped twice by v2auth. */
  projectNotFoundOnV2: (project: string) => twice(`project ${project} not found`),
  /** src/pkg/project/dao/dao.go GetByName, as the API sends it. */
  projectNotFound: (project: string) => `project ${project} not found`,
  /** src/server/middleware/repoproxy/proxy.go DisableBlobAndManifestUploadMiddleware: DeniedError ("denied") with its cause. */
  proxyCachePush: (project: string) => `denied: can not push artifact to a proxy project: ${project}`,
  /** src/pkg/quota/errors.go ResourceOverflow, sent as DENIED by src/server/middleware/quota/quota.go. */
  quotaExceeded: (adding: number, used: number, limit: number) =>
    `adding ${displaySize(adding)} of storage resource, which when updated to current usage of ${displaySize(used)} will exceed the configured upper limit of ${displaySize(limit)}.`,
  /** src/server/middleware/immutable/error.go, on a push over an existing immutable tag. */
  immutablePush: (repositoryName: string, tag: string) => `Failed to process request due to '${repositoryName}:${tag}' configured as immutable.`,
  /** src/controller/tag/controller.go Delete. */
  immutableDelete: (tag: string) => `the tag ${tag} configured as immutable, cannot be deleted`,
  /** src/server/middleware/contenttrust/: cosign.go in v2.8, contentrust.go from v2.9. */
  notSignedByCosign: (minor: number) => (minor >= 9 ? 'The image is not signed by cosign.' : 'The image is not signed in Cosign.'),
  /** src/server/middleware/vulnerable/vulnerable.go: no scan report although the image is scannable. */
  notScanned: (severity: string) =>
    `current image without vulnerability scanning cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "${severity}" or higher from running.' To continue with pull, please contact your project administrator for help.`,
  /** src/server/middleware/vulnerable/vulnerable.go: a scan that has not succeeded (yet). */
  scanNotSucceeded: (status: string, severity: string) =>
    `current image with "${status}" status of vulnerability scanning cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "${severity}" or higher from running.' To continue with pull, please contact your project administrator for help.`,
  /** src/controller/artifact/controller.go getByTag. */
  artifactTagNotFound: (repository: string, tag: string) => `artifact ${repository}:${tag} not found`,
  /** src/pkg/artifact/dao/dao.go GetByDigest. */
  artifactDigestNotFound: (repository: string, digest: string) => `artifact ${repository}@${digest} not found`,
  /** src/pkg/repository/manager.go GetByName. */
  repositoryNotFound: (repository: string) => `repository ${repository} not found`,
  /** src/server/registry/manifest.go deleteManifest: errors.Wrapf(digest parse error, …). */
  deleteByTag: (reference: string) => `unsupported digest ${reference}: invalid checksum digest format`,
  /** src/server/v2.0/handler/base.go RequireProjectAccess: UnauthorizedError(nil) / ForbiddenError(nil). */
  apiUnauthorized: 'unauthorized',
  apiForbidden: 'forbidden',
} as const;

/** src/pkg/quota/types/format.go byteCountToDisplaySize. */
export function displaySize(value: number): string {
  if (value < 1024) return `${value} B`;
  let div = 1024;
  let exp = 0;
  for (let n = Math.floor(value / 1024); n >= 1024; n = Math.floor(n / 1024)) {
    div *= 1024;
    exp += 1;
  }
  return `${(value / div).toFixed(1)} ${'KMGTPE'[exp]}iB`;
}
