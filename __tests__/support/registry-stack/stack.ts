import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFront, type Front } from './front.js';
import { startRegistry, type RegistryStorage, type StartedRegistry } from './registry.js';
import { createTokenSigner } from './token-signer.js';

export interface RegistryStackSettings {
  /** 'htpasswd': the registry's Basic auth (tier 1); 'token': Harbor-like Bearer tokens from the front (tier 2). */
  auth: 'htpasswd' | 'token';
  /** Harbor's /api/v2.0 on the front (token auth only); off: cleanup must fall back to a manifest DELETE. */
  harborApi: boolean;
  storage?: RegistryStorage;
  username: string;
  password: string;
}

export interface RegistryStack {
  /** Where clients connect: the front. */
  url: string;
  front: Front;
  registry: StartedRegistry;
  stop(): Promise<void>;
}

/** Tiers 1 and 2 (and 3 with S3 storage): docker-registry behind the fault-injecting, Harbor-like front. */
export async function startRegistryStack(settings: RegistryStackSettings): Promise<RegistryStack> {
  const dir = mkdtempSync(join(tmpdir(), 'smoke-stack-'));
  const signer = settings.auth === 'token' ? createTokenSigner(dir) : undefined;
  const front = await startFront({
    users: { [settings.username]: settings.password },
    tokenSigner: signer,
    harborApi: settings.harborApi && signer !== undefined,
  });
  let registry: StartedRegistry;
  try {
    registry = await startRegistry(
      settings.storage ?? { kind: 'filesystem' },
      signer
        ? { kind: 'token', realm: `${front.url}/service/token`, service: signer.service, issuer: signer.issuer, certificatePath: signer.certificatePath }
        : { kind: 'htpasswd', username: settings.username, password: settings.password },
    );
  } catch (error) {
    await front.stop();
    throw error;
  }
  front.setUpstream(registry.url);
  return {
    url: front.url,
    front,
    registry,
    stop: async () => {
      await front.stop();
      await registry.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
