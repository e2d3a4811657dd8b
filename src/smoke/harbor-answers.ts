import type { SmokeFailureCause } from './errors.js';

/**
 * What Harbor's refusals mean and what to change, from Harbor's own words (goharbor/harbor
 * v2.8 … v2.15; docs/smoke-test.md has the table). Shared by the native client, which reads
 * them from the error body, and the docker client, which finds them in docker's output.
 */
export interface Explanation {
  cause: SmokeFailureCause;
  message: string;
}

/** ` (Harbor: "…")`, or nothing when Harbor gave no words. */
export function harborSays(message: string | undefined): string {
  if (!message) return '';
  const text = message.length > 400 ? `${message.slice(0, 400)}…` : message;
  return ` (Harbor: "${text}")`;
}

export function projectOf(repository: string): string {
  return repository.split('/')[0] ?? repository;
}

/** Roles that may push (src/common/rbac/project/rbac_role.go), named as in Harbor's member dialog. */
const PUSH_ROLES = 'developer, maintainer or projectAdmin';
const DELETE_ROLES = 'maintainer or projectAdmin';

/**
 * A 403 DENIED to a push request. Harbor sends DENIED from the read-only middleware
 * (src/server/middleware/readonly/), the quota middleware (src/server/middleware/quota/,
 * src/pkg/quota/errors.go) and for a proxy cache project (src/server/middleware/repoproxy/).
 */
export function explainDeniedPush(repository: string, message: string | undefined): Explanation {
  const project = projectOf(repository);
  const says = harborSays(message);
  if (message && /read only mode/i.test(message)) {
    return {
      cause: 'read-only',
      message: `Harbor is in read-only mode and refuses every push${says}: turn off "Repository Read Only" in Harbor (Administration → Configuration → System Settings), then run the smoke test again`,
    };
  }
  if (message && /exceed the configured upper limit|quota exceeded/i.test(message)) {
    return {
      cause: 'quota',
      message: `project "${project}" has no storage quota left for the smoke test image${says}: raise the project's quota (Administration → Project Quotas) or free space in the project (delete artifacts, then run garbage collection)`,
    };
  }
  if (message && /can not push artifact to a proxy project/i.test(message)) {
    return {
      cause: 'proxy-cache',
      message: `project "${project}" is a proxy cache project, which mirrors another registry and takes no pushes${says}: set smoke-test-repository to a repository in a project that is not a proxy cache`,
    };
  }
  return {
    cause: 'denied',
    message: `Harbor refused the push to ${repository}${says}: smoke-test-username needs the ${PUSH_ROLES} role in project "${project}"`,
  };
}

/** A 401 to a push or read-back request that a freshly issued token did not cure. */
export function explainUnauthorized(repository: string, message: string | undefined): Explanation {
  return {
    cause: 'denied',
    message: `Harbor refused smoke-test-username access to ${repository} even with a fresh token${harborSays(message)}: the user needs the ${PUSH_ROLES} role in project "${projectOf(repository)}"`,
  };
}

/**
 * A 412 PROJECTPOLICYVIOLATION to pulling the manifest back: the content-trust middleware
 * (src/server/middleware/contenttrust/) or the vulnerability middleware
 * (src/server/middleware/vulnerable/vulnerable.go). Only a scan still pending or running can
 * clear by itself (scan on push); `retry` says so.
 */
export function explainPolicy(repository: string, message: string | undefined): Explanation & { retry: boolean } {
  const project = projectOf(repository);
  const quoted = harborSays(message);
  const intro = `Harbor refuses to serve the pushed image, so the smoke test cannot read it back${quoted}`;
  const elsewhere = 'or set smoke-test-repository to a repository in a project without this policy';
  if (message && /with "(Pending|Running|Scheduled)" status of vulnerability scanning/.test(message)) {
    return { retry: true, cause: 'policy', message: `${intro}: the vulnerability scan of the image has not finished yet` };
  }
  if (message && /not signed (by|in) cosign/i.test(message)) {
    return {
      retry: false,
      cause: 'policy',
      message: `${intro}: project "${project}" serves only images signed with cosign (Project → Configuration → Deployment security); turn that off for the project, ${elsewhere}`,
    };
  }
  if (message && /not signed (by|in) (notation|notary)/i.test(message)) {
    return {
      retry: false,
      cause: 'policy',
      message: `${intro}: project "${project}" serves only signed images (Project → Configuration → Deployment security); turn that off for the project, ${elsewhere}`,
    };
  }
  if (message && /without vulnerability scanning/.test(message)) {
    return {
      retry: false,
      cause: 'policy',
      message: `${intro}: project "${project}" prevents pulling images that were not scanned, and nothing scans on push; turn on "Automatically scan images on push" for the project (Project → Configuration), ${elsewhere}`,
    };
  }
  return {
    retry: false,
    cause: 'policy',
    message: `${intro}: a policy of project "${project}" (Project → Configuration → Deployment security) refuses the image; change it, ${elsewhere}`,
  };
}

/** Why the token service granted no push: what the login diagnosis found out. */
export type PushRefusal =
  | { kind: 'wrong-password' }
  | { kind: 'no-project'; harborMessage?: string }
  | { kind: 'project-hidden'; harborMessage?: string }
  | { kind: 'role'; role: string }
  | { kind: 'api-refused'; oidc: boolean; harborMessage?: string }
  | { kind: 'unknown'; granted: string[] };

export interface PushRefusalContext {
  repository: string;
  username: string;
  /** The input the password came from. */
  passwordInput: 'smoke-test-password' | 'admin-password';
}

/** The message for each reason Harbor's token grants no push. */
export function explainPushRefusal(refusal: PushRefusal, context: PushRefusalContext): Explanation {
  const { repository, username, passwordInput } = context;
  const project = projectOf(repository);
  switch (refusal.kind) {
    case 'wrong-password':
      return {
        cause: 'wrong-password',
        message:
          `Harbor refused the password of smoke-test-username "${username}" (its token service answered 401 to a login without scope): ` +
          `set ${passwordInput} to the user's current password` +
          (passwordInput === 'admin-password' && username === 'admin'
            ? '. The chart\'s harborAdminPassword only sets the initial admin password: once it was changed in Harbor, admin-password is stale (set smoke-test-password, or update admin-password)'
            : ''),
      };
    case 'no-project':
      return {
        cause: 'not-found',
        message: `project "${project}" of smoke-test-repository does not exist${harborSays(refusal.harborMessage)}: create it in Harbor, or set smoke-test-repository to a repository in an existing project (library exists by default)`,
      };
    case 'project-hidden':
      return {
        cause: 'denied',
        message:
          `user "${username}" may not see project "${project}"${harborSays(refusal.harborMessage)}: the project is private and "${username}" is not a member, or it does not exist: ` +
          `add "${username}" to the project as ${PUSH_ROLES} (Project → Members; ${DELETE_ROLES} also lets the smoke test remove its image), or set smoke-test-repository to a project the user may push to`,
      };
    case 'role':
      return {
        cause: 'denied',
        message:
          `user "${username}" is ${refusal.role === 'none' ? `not a member of public project "${project}"` : `${refusal.role} in project "${project}"`}, which allows pulling only: ` +
          `pushing needs the ${PUSH_ROLES} role (Project → Members; ${DELETE_ROLES} also lets the smoke test remove its image), or set smoke-test-username to a user who may push`,
      };
    case 'api-refused':
      return {
        cause: 'denied',
        message:
          `Harbor's token grants "${username}" no push on ${repository}, and Harbor's API refuses the same credentials${harborSays(refusal.harborMessage)}` +
          (refusal.oidc ? ' (Harbor authenticates through OIDC: a CLI secret is accepted by the registry, not by the API)' : '') +
          `, so the reason cannot be read: project "${project}" does not exist, or "${username}" is not a ${PUSH_ROLES} in it; check both in Harbor`,
      };
    case 'unknown':
      return {
        cause: 'denied',
        message: `Harbor's token grants "${username}" only [${refusal.granted.join(', ')}] on ${repository}, no push: give the user the ${PUSH_ROLES} role in project "${project}"`,
      };
  }
}

/** Harbor's project role ids (src/common/const.go) as Harbor names them. */
export const ROLE_NAMES: Record<number, string> = { 1: 'projectAdmin', 2: 'developer', 3: 'guest', 4: 'maintainer', 5: 'limitedGuest' };
