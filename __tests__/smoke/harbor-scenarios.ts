import type { SmokeFailureCause, SmokeTestOptions } from '../../src/smoke/index.js';
import type { HarborStack } from '../support/registry-stack/stack.js';

/**
 * Harbor's answers the smoke test must name, shared by the native and the docker client tests:
 * each arranges the Harbor front (a project, a user, a setting) and says what the user must see.
 * Projects and users have names of their own, so one stack serves every scenario of a file.
 */
export interface RefusalScenario {
  name: string;
  arrange(stack: HarborStack): Partial<SmokeTestOptions>;
  kind: SmokeFailureCause;
  /** Every one must be in the error message. */
  message: RegExp[];
  /** Whether the push reaches Harbor (docker runs): false for what the native login finds first. */
  pushes: boolean;
}

const ensureUser = (stack: HarborStack, username: string, password: string): void => {
  if (!stack.harbor.model.user(username)) stack.harbor.model.addUser({ username, password });
};
const ensureProject = (stack: HarborStack, settings: Parameters<HarborStack['harbor']['model']['addProject']>[0]): void => {
  if (!stack.harbor.model.project(settings.name)) stack.harbor.model.addProject(settings);
};

export const REFUSALS: RefusalScenario[] = [
  {
    name: 'a wrong password (the token service answers 200 as to anonymous)',
    arrange: () => ({ password: 'not-the-password' }),
    kind: 'wrong-password',
    message: [/Harbor refused the password of smoke-test-username "admin"/, /set smoke-test-password to the user's current password/],
    pushes: false,
  },
  {
    name: 'a stale admin-password (changed in Harbor since the chart set it)',
    arrange: () => ({ password: 'Initial-Chart-Password1', passwordInput: 'admin-password' }),
    kind: 'wrong-password',
    message: [/set admin-password to the user's current password/, /harborAdminPassword only sets the initial admin password/],
    pushes: false,
  },
  {
    name: 'a project that does not exist',
    arrange: () => ({ repository: 'no-such-project/harbor-smoke' }),
    kind: 'not-found',
    message: [/project "no-such-project" of smoke-test-repository does not exist \(Harbor: "project no-such-project not found"\)/, /set smoke-test-repository/],
    pushes: false,
  },
  {
    name: 'a private project the user is no member of',
    arrange: (stack) => {
      ensureUser(stack, 'outsider', 'Outsider-Pa55');
      ensureProject(stack, { name: 'private-team' });
      return { username: 'outsider', password: 'Outsider-Pa55', repository: 'private-team/harbor-smoke' };
    },
    kind: 'denied',
    message: [/user "outsider" may not see project "private-team" \(Harbor: "forbidden"\)/, /add "outsider" to the project as developer, maintainer or projectAdmin/],
    pushes: false,
  },
  {
    name: 'a guest of the project',
    arrange: (stack) => {
      ensureUser(stack, 'viewer', 'Viewer-Pa55');
      ensureProject(stack, { name: 'guest-team', members: { viewer: 'guest' } });
      return { username: 'viewer', password: 'Viewer-Pa55', repository: 'guest-team/harbor-smoke' };
    },
    kind: 'denied',
    message: [/user "viewer" is guest in project "guest-team", which allows pulling only/, /pushing needs the developer, maintainer or projectAdmin role/],
    pushes: false,
  },
  {
    name: 'no member of the public project library',
    arrange: (stack) => {
      ensureUser(stack, 'passer-by', 'Passer-Pa55');
      return { username: 'passer-by', password: 'Passer-Pa55' };
    },
    kind: 'denied',
    message: [/user "passer-by" is not a member of public project "library"/],
    pushes: false,
  },
  {
    name: 'an OIDC user without push (the API refuses a CLI secret, so the reason stays unknown)',
    arrange: (stack) => {
      stack.harbor.model.configure({ authMode: 'oidc_auth' });
      if (!stack.harbor.model.user('oidc-outsider')) stack.harbor.model.addUser({ username: 'oidc-outsider', oidcCliSecret: 'Cli-Secret-0utsider' });
      ensureProject(stack, { name: 'oidc-private' });
      return { username: 'oidc-outsider', password: 'Cli-Secret-0utsider', repository: 'oidc-private/harbor-smoke' };
    },
    kind: 'denied',
    message: [/Harbor's API refuses the same credentials \(Harbor: "unauthorized"\) \(Harbor authenticates through OIDC/, /project "oidc-private" does not exist, or "oidc-outsider" is not a developer/],
    pushes: false,
  },
  {
    name: 'a token realm on a third host (Harbor v2.13 deployed with another external URL)',
    arrange: (stack) => {
      stack.harbor.model.configure({ version: '2.13.5', externalUrl: 'https://elsewhere.example.com' });
      return { externalUrl: 'https://harbor.example.com' };
    },
    kind: 'realm-mismatch',
    message: [/Harbor's token realm https:\/\/elsewhere\.example\.com\/service\/token is on neither registry-url \(http:\/\/127\.0\.0\.1:\d+\) nor external-url \(https:\/\/harbor\.example\.com\)/],
    pushes: false,
  },
  {
    name: 'a proxy cache project',
    arrange: (stack) => {
      ensureProject(stack, { name: 'hub-cache', proxyCache: true });
      return { repository: 'hub-cache/harbor-smoke' };
    },
    kind: 'proxy-cache',
    message: [/project "hub-cache" is a proxy cache project, which mirrors another registry and takes no pushes \(Harbor: "denied: can not push artifact to a proxy project: hub-cache"\)/],
    pushes: true,
  },
  {
    name: 'read-only mode',
    arrange: (stack) => {
      stack.harbor.model.configure({ readOnly: true });
      return {};
    },
    kind: 'read-only',
    message: [/Harbor is in read-only mode and refuses every push \(Harbor: "The system is in read only mode\. Any modification is prohibited\."\)/, /Repository Read Only/],
    pushes: true,
  },
  {
    name: 'an exceeded storage quota',
    arrange: (stack) => {
      ensureProject(stack, { name: 'tiny-quota', storageLimit: 100 });
      return { repository: 'tiny-quota/harbor-smoke' };
    },
    kind: 'quota',
    message: [/project "tiny-quota" has no storage quota left for the smoke test image \(Harbor: "adding [\d.]+ K?i?B of storage resource, which when updated to current usage of [\d.]+ K?i?B will exceed the configured upper limit of 100 B\."\)/],
    pushes: true,
  },
  {
    name: 'a cosign content-trust policy on the read-back',
    arrange: (stack) => {
      ensureProject(stack, { name: 'signed-only', cosignRequired: true });
      return { repository: 'signed-only/harbor-smoke' };
    },
    kind: 'policy',
    message: [/Harbor refuses to serve the pushed image, so the smoke test cannot read it back \(Harbor: "The image is not signed by cosign\."\)/, /project "signed-only" serves only images signed with cosign/],
    pushes: true,
  },
  {
    name: 'a vulnerability policy with nothing scanning on push',
    arrange: (stack) => {
      ensureProject(stack, { name: 'scan-required', preventVulnerable: { severity: 'high', autoScan: false } });
      return { repository: 'scan-required/harbor-smoke' };
    },
    kind: 'policy',
    message: [/\(Harbor: "current image without vulnerability scanning cannot be pulled due to configured policy in 'Prevent images with vulnerability severity of "High" or higher from running\.'/, /Automatically scan images on push/],
    pushes: true,
  },
];

/** What Harbor answers to the cleanup, and what the user must see: a warning, or (already gone) a note. */
export interface CleanupScenario {
  name: string;
  arrange(stack: HarborStack): Partial<SmokeTestOptions>;
  cleanedUp: boolean;
  /** Every one must be in one warning line (or, when cleanedUp, in one log line). */
  message: RegExp[];
}

export const CLEANUP_ANSWERS: CleanupScenario[] = [
  {
    name: 'a developer may push but not delete (403)',
    arrange: (stack) => {
      ensureUser(stack, 'dev', 'Dev-Pa55word');
      ensureProject(stack, { name: 'dev-team', members: { dev: 'developer' } });
      return { username: 'dev', password: 'Dev-Pa55word', repository: 'dev-team/harbor-smoke' };
    },
    cleanedUp: false,
    message: [
      /^::warning title=Smoke test cleanup::The smoke test image dev-team\/harbor-smoke@sha256:[0-9a-f]{64} was pushed but could not be removed/,
      /Harbor lets "dev" push to project "dev-team" but not delete from it \(Harbor: "forbidden"\): deleting an artifact needs the maintainer or projectAdmin role/,
      /smoke-test-keep: true/,
    ],
  },
  {
    name: 'an immutable tag rule (412)',
    arrange: (stack) => {
      ensureProject(stack, { name: 'frozen', immutableTags: /^smoke-/ });
      return { repository: 'frozen/harbor-smoke' };
    },
    cleanedUp: false,
    message: [/^::warning title=Smoke test cleanup::/, /its tag (smoke-\S+) is immutable in project "frozen" \(Harbor: "the tag \1 configured as immutable, cannot be deleted"\)/, /Tag Immutability/],
  },
  {
    name: 'an OIDC CLI secret, which the API refuses (401)',
    arrange: (stack) => {
      stack.harbor.model.configure({ authMode: 'oidc_auth' });
      if (!stack.harbor.model.user('oidc-maintainer')) stack.harbor.model.addUser({ username: 'oidc-maintainer', oidcCliSecret: 'Cli-Secret-Ma1ntainer' });
      ensureProject(stack, { name: 'oidc-team', members: { 'oidc-maintainer': 'maintainer' } });
      return { username: 'oidc-maintainer', password: 'Cli-Secret-Ma1ntainer', repository: 'oidc-team/harbor-smoke' };
    },
    cleanedUp: false,
    message: [/^::warning title=Smoke test cleanup::/, /Harbor's API refused the credentials of "oidc-maintainer" \(Harbor: "unauthorized"\), which the registry accepted: Harbor authenticates through OIDC/, /robot account/],
  },
  {
    name: 'an artifact someone removed already (404)',
    arrange: (stack) => {
      stack.front.beforeNext('artifact-delete', async () => {
        for (const artifact of stack.harbor.model.artifacts('library/gone-already')) await stack.harbor.deleteArtifact('library/gone-already', artifact.digest);
      });
      return { repository: 'library/gone-already' };
    },
    cleanedUp: true,
    message: [/^cleanup: library\/gone-already@sha256:[0-9a-f]{64} was removed already \(Harbor: "artifact library\/gone-already@sha256:[0-9a-f]{64} not found"\)$/],
  },
];
