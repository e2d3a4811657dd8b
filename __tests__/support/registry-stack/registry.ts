import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, registryEnvironment, startProcess, waitUntil } from './processes.js';

export type RegistryStorage = { kind: 'filesystem' } | { kind: 's3'; endpoint: string; bucket: string; accessKey: string; secretKey: string };
/** The registry's own auth: htpasswd, as Harbor's chart configures it (for core's credentials). */
export type RegistryAuth = { kind: 'htpasswd'; username: string; password: string };

export interface StartedRegistry {
  /** http://127.0.0.1:PORT, talked to directly (tests normally go through the front). */
  url: string;
  /** What the registry logged: its storage driver's errors are only here. */
  log(): string;
  stop(): Promise<void>;
}

/** Debian's docker-registry (distribution 2.8) on filesystem or S3 storage, deletes enabled. */
export async function startRegistry(storage: RegistryStorage, auth: RegistryAuth): Promise<StartedRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'smoke-registry-'));
  const port = await freePort();
  const config = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: smoke-test-stack',
    'storage:',
    '  delete:',
    '    enabled: true',
    '  redirect:',
    '    disable: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    '  cache:',
    '    blobdescriptor: inmemory',
    ...storageLines(storage, dir),
    'auth:',
    ...authLines(auth, dir),
  ].join('\n');
  writeFileSync(join(dir, 'config.yml'), `${config}\n`);
  const process = startProcess('docker-registry', ['serve', join(dir, 'config.yml')], registryEnvironment());
  const url = `http://127.0.0.1:${port}`;
  await waitUntil('docker-registry', async () => [200, 401].includes((await fetch(`${url}/v2/`)).status), 20_000, process);
  return {
    url,
    log: () => process.output(),
    stop: async () => {
      await process.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function storageLines(storage: RegistryStorage, dir: string): string[] {
  if (storage.kind === 'filesystem') return ['  filesystem:', `    rootdirectory: ${join(dir, 'data')}`];
  return [
    '  s3:',
    `    accesskey: ${storage.accessKey}`,
    `    secretkey: ${storage.secretKey}`,
    '    region: us-east-1',
    `    regionendpoint: ${storage.endpoint}`,
    `    bucket: ${storage.bucket}`,
    '    secure: false',
    '    v4auth: true',
    '    rootdirectory: /registry',
  ];
}

function authLines(auth: RegistryAuth, dir: string): string[] {
  const file = join(dir, 'htpasswd');
  writeFileSync(file, execFileSync('htpasswd', ['-Bbn', auth.username, auth.password]));
  return ['  htpasswd:', '    realm: smoke-registry', `    path: ${file}`];
}
