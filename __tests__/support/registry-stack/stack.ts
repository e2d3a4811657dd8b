import { randomBytes } from 'node:crypto';
import { startFront, type Front } from './front.js';
import { createHarborCore, type HarborCore } from './harbor/core.js';
import { HarborModel, type SystemSettings } from './harbor/model.js';
import { asOutgoing, forward } from './http-body.js';
import { startRegistry, type RegistryStorage, type StartedRegistry } from './registry.js';

export interface RegistryStackSettings {
  /**
   * 'htpasswd': the registry's own Basic auth, the front only a fault-injecting proxy (tier 1).
   * 'token': the front is Harbor core, with its Bearer token service and /api/v2.0, and the
   * registry behind it takes only core's credentials (tier 2).
   */
  auth: 'htpasswd' | 'token';
  storage?: RegistryStorage;
  /** Tier 1: the registry's user. Tier 2: Harbor's admin (user id 1, system administrator). */
  username: string;
  password: string;
  /** Tier 2: Harbor's system settings (version, external URL, auth mode …); the external URL defaults to the front's. */
  harbor?: Partial<SystemSettings>;
}

export interface RegistryStack {
  /** Where clients connect: the front. */
  url: string;
  front: Front;
  registry: StartedRegistry;
  /** Tier 2 only: Harbor core's state, for a test to add users and projects, change settings, or act as another user. */
  harbor: HarborCore | undefined;
  stop(): Promise<void>;
}

export type HarborStack = RegistryStack & { harbor: HarborCore };

/** The chart's registry.credentials.username; its password is made per stack. */
const CORE_REGISTRY_USER = 'harbor_registry_user';

/** Tiers 1 and 2 (and 3 with S3 storage): docker-registry behind the front. */
export async function startRegistryStack(settings: RegistryStackSettings & { auth: 'token' }): Promise<HarborStack>;
export async function startRegistryStack(settings: RegistryStackSettings): Promise<RegistryStack>;
export async function startRegistryStack(settings: RegistryStackSettings): Promise<RegistryStack> {
  const storage = settings.storage ?? { kind: 'filesystem' };
  if (settings.auth === 'htpasswd') {
    const registry = await startRegistry(storage, { kind: 'htpasswd', username: settings.username, password: settings.password });
    const upstream = new URL(registry.url);
    const front = await startFront((req, _url, body) => forward(upstream, asOutgoing(req), body)).catch(async (error: unknown) => {
      await registry.stop();
      throw error;
    });
    return { url: front.url, front, registry, harbor: undefined, stop: stopBoth(front, registry) };
  }

  // Harbor 2.x: the registry authenticates only core, with htpasswd (the chart's registry-cm.yaml `auth: htpasswd`).
  const corePassword = randomBytes(12).toString('hex');
  const registry = await startRegistry(storage, { kind: 'htpasswd', username: CORE_REGISTRY_USER, password: corePassword });
  const model = new HarborModel({ version: '2.15.2', externalUrl: '', authMode: 'db_auth', readOnly: false, tokenExpirationSeconds: 1800, ...settings.harbor });
  model.addUser({ username: settings.username, password: settings.password, sysadmin: true });
  // Harbor creates the public project library at installation.
  model.addProject({ name: 'library', public: true, members: { [settings.username]: 'projectAdmin' } });
  const harbor = createHarborCore(model, { url: new URL(registry.url), username: CORE_REGISTRY_USER, password: corePassword });
  const front = await startFront(harbor.handle).catch(async (error: unknown) => {
    await registry.stop();
    throw error;
  });
  if (!model.settings.externalUrl) model.configure({ externalUrl: front.url });
  return { url: front.url, front, registry, harbor, stop: stopBoth(front, registry) };
}

function stopBoth(front: Front, registry: StartedRegistry): () => Promise<void> {
  return async () => {
    await front.stop();
    await registry.stop();
  };
}
