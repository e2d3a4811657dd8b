/**
 * The part of Harbor core's state the smoke test meets: users, projects with members and
 * policies, artifacts, system settings. Behaviour follows goharbor/harbor (files named where used).
 */

/** Project roles and their ids (src/common/const.go). */
export const ROLE_IDS = { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4, limitedGuest: 5 } as const;
export type ProjectRole = keyof typeof ROLE_IDS;

/** The permissions the smoke test meets, as `resource:action` (src/common/rbac/const.go). */
export type Permission = 'project:read' | 'repository:pull' | 'repository:push' | 'repository:delete' | 'artifact:read' | 'artifact:list' | 'artifact:delete';

const READ_ONLY_MEMBER: Permission[] = ['project:read', 'repository:pull', 'artifact:read', 'artifact:list'];
const EVERYTHING: Permission[] = [...READ_ONLY_MEMBER, 'repository:push', 'repository:delete', 'artifact:delete'];

/**
 * src/common/rbac/project/rbac_role.go (the same in v2.8.0 … v2.15.2): a developer may push but
 * delete neither repositories nor artifacts; guests only pull.
 */
const ROLE_PERMISSIONS: Record<ProjectRole, Permission[]> = {
  projectAdmin: EVERYTHING,
  maintainer: EVERYTHING,
  developer: [...READ_ONLY_MEMBER, 'repository:push'],
  guest: READ_ONLY_MEMBER,
  limitedGuest: READ_ONLY_MEMBER,
};

/** What anybody, anonymous included, may do in a public project (src/common/rbac/project/rbac_util.go). */
const PUBLIC_PERMISSIONS: Permission[] = READ_ONLY_MEMBER;

/** src/server/v2.0/handler/project.go highestRole. */
const ROLE_POWER: Record<ProjectRole, number> = { projectAdmin: 50, maintainer: 40, developer: 30, guest: 20, limitedGuest: 10 };

export interface UserSettings {
  username: string;
  /** The database password; absent for a user who only logs in through OIDC. */
  password?: string;
  sysadmin?: boolean;
  /** The CLI secret of an OIDC user (src/pkg/oidc/secret.go), accepted only where oidc_cli.go allows it. */
  oidcCliSecret?: string;
}

export interface HarborUser extends UserSettings {
  userId: number;
  createdAt: Date;
}

export interface ProjectSettings {
  name: string;
  public?: boolean;
  members?: Record<string, ProjectRole>;
  /** A proxy cache project (registry_id set): it mirrors another registry and takes no pushes. */
  proxyCache?: boolean;
  /** Storage quota in bytes; -1 (Harbor's default) for none. */
  storageLimit?: number;
  /** An immutable tag rule. Harbor's rules match repository and tag with doublestar patterns; a RegExp on the tag stands in. */
  immutableTags?: RegExp;
  /** Project metadata enable_content_trust_cosign: only cosign-signed images are served. */
  cosignRequired?: boolean;
  /**
   * Project metadata prevent_vul and severity, with auto_scan (scan on push). With auto_scan the
   * scan of a new artifact reports "Running" to the first `scanRunningForChecks` policy checks
   * (pulls of its manifest) and then succeeds with no vulnerabilities (the smoke image has no
   * packages); without it there is no report.
   */
  preventVulnerable?: { severity: 'low' | 'medium' | 'high' | 'critical'; autoScan: boolean; scanRunningForChecks?: number };
}

export interface Project extends ProjectSettings {
  projectId: number;
  createdAt: Date;
  /** Storage counted against the quota (src/controller/quota/). */
  storageUsed: number;
  /** Blobs associated with the project (src/pkg/blob/), counted once. */
  blobs: Set<string>;
}

export interface Artifact {
  id: number;
  repository: string;
  digest: string;
  tags: string[];
  size: number;
  pushedAt: Date;
  /** Pulls of the manifest the vulnerability policy has checked so far (a running scan-on-push ends after some). */
  vulnerabilityChecks: number;
}

export interface SystemSettings {
  /** Harbor's version, e.g. 2.8.0 or 2.15.2: the realm, token leeway and a few messages depend on it. */
  version: string;
  /** Harbor's external URL (EXT_ENDPOINT, the chart's externalURL). */
  externalUrl: string;
  /** auth_mode: db_auth, or oidc_auth (OIDC users log in to the registry with a CLI secret). */
  authMode: 'db_auth' | 'oidc_auth';
  /** read_only (System Settings → Repository Read Only). */
  readOnly: boolean;
  /** token_expiration, here in seconds so that a test can watch a token expire (Harbor: minutes, default 30). */
  tokenExpirationSeconds: number;
}

export class HarborModel {
  settings: SystemSettings;
  private readonly users = new Map<string, HarborUser>();
  private readonly projects = new Map<string, Project>();
  /** repository name → digest → artifact (Harbor's artifact and tag tables). */
  private readonly artifactsByRepository = new Map<string, Map<string, Artifact>>();
  private clockOffsetMs = 0;
  private nextId = 1;

  constructor(settings: SystemSettings) {
    this.settings = settings;
  }

  configure(settings: Partial<SystemSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** Harbor's clock: real time plus what a test advanced it by (to let tokens expire). */
  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  advanceClock(seconds: number): void {
    this.clockOffsetMs += seconds * 1000;
  }

  /** The minor version (8 for 2.8.x): behaviour changed at 2.9, 2.11, 2.14 and 2.15. */
  minorVersion(): number {
    const [major, minor] = this.settings.version.split('.').map(Number);
    if (major !== 2 || minor === undefined || Number.isNaN(minor)) throw new Error(`unsupported Harbor version ${this.settings.version}`);
    return minor;
  }

  addUser(settings: UserSettings): HarborUser {
    const user: HarborUser = { ...settings, userId: this.users.size + 1, createdAt: this.now() };
    this.users.set(settings.username, user);
    return user;
  }

  user(username: string): HarborUser | undefined {
    return this.users.get(username);
  }

  addProject(settings: ProjectSettings): Project {
    const project: Project = { storageLimit: -1, ...settings, projectId: this.nextId++, createdAt: this.now(), storageUsed: 0, blobs: new Set() };
    this.projects.set(settings.name, project);
    return project;
  }

  project(name: string): Project | undefined {
    return this.projects.get(name);
  }

  /** The user's roles in a project, highest first (src/server/v2.0/handler/project.go highestRole). */
  roles(user: HarborUser | undefined, project: Project): ProjectRole[] {
    const role = user ? project.members?.[user.username] : undefined;
    return role ? [role] : [];
  }

  highestRoleId(user: HarborUser | undefined, project: Project): number {
    const [highest] = this.roles(user, project).sort((a, b) => ROLE_POWER[b] - ROLE_POWER[a]);
    return highest ? ROLE_IDS[highest] : 0;
  }

  /**
   * A local user's permission (src/common/security/local/context.go): a system admin may do
   * anything, even in a project that does not exist; others what their roles and a public
   * project allow.
   */
  userCan(user: HarborUser | undefined, permission: Permission, projectName: string): boolean {
    if (user?.sysadmin) return true;
    const project = this.projects.get(projectName);
    if (!project) return false;
    if (project.public && PUBLIC_PERMISSIONS.includes(permission)) return true;
    return this.roles(user, project).some((role) => ROLE_PERMISSIONS[role].includes(permission));
  }

  artifacts(repository: string): Artifact[] {
    return [...(this.artifactsByRepository.get(repository)?.values() ?? [])];
  }

  artifactByDigest(repository: string, digest: string): Artifact | undefined {
    return this.artifactsByRepository.get(repository)?.get(digest);
  }

  artifactByTag(repository: string, tag: string): Artifact | undefined {
    return this.artifacts(repository).find((artifact) => artifact.tags.includes(tag));
  }

  hasRepository(repository: string): boolean {
    return this.artifactsByRepository.has(repository);
  }

  /** src/controller/artifact/controller.go Ensure: the artifact exists once, a tag names one artifact of a repository. */
  ensureArtifact(repository: string, digest: string, size: number, tag?: string): Artifact {
    let artifacts = this.artifactsByRepository.get(repository);
    if (!artifacts) this.artifactsByRepository.set(repository, (artifacts = new Map()));
    let artifact = artifacts.get(digest);
    if (!artifact) {
      artifact = { id: this.nextId++, repository, digest, tags: [], size, pushedAt: this.now(), vulnerabilityChecks: 0 };
      artifacts.set(digest, artifact);
    }
    if (tag && !artifact.tags.includes(tag)) {
      for (const other of artifacts.values()) other.tags = other.tags.filter((name) => name !== tag);
      artifact.tags.push(tag);
    }
    return artifact;
  }

  removeArtifact(artifact: Artifact): void {
    this.artifactsByRepository.get(artifact.repository)?.delete(artifact.digest);
  }
}

/** The project part of a repository name (src/common/utils/utils.go ParseRepository). */
export function projectOf(repository: string): string {
  return repository.split('/')[0] ?? '';
}

/** The repository name without its project, as Harbor's messages and API paths use it. */
export function repositoryNameInProject(repository: string): string {
  return repository.slice(repository.indexOf('/') + 1);
}
