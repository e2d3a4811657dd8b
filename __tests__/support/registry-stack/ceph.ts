import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { signedS3Request } from './sigv4.js';
import { freePort, startProcess, waitUntil, type StartedProcess } from './processes.js';

const run = promisify(execFile);

export interface StartedCeph {
  /** radosgw's S3 endpoint, http://127.0.0.1:PORT */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A throwaway single-node Ceph (one mon, one memstore OSD, radosgw) as a real S3 server: the
 * registry's S3 driver needs calls (ListMultipartUploads...) that small S3 emulators lack.
 */
export async function startCeph(): Promise<StartedCeph> {
  const dir = mkdtempSync(join(tmpdir(), 'smoke-ceph-'));
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'ceph.conf');
  const keyring = join(dir, 'keyring');
  const fsid = randomUUID();
  for (const sub of ['mon/ceph-a', 'osd/ceph-0', 'run', 'log', 'rgw']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(
    conf,
    [
      '[global]',
      `fsid = ${fsid}`,
      `mon host = v2:127.0.0.1:${monPort}`,
      'auth cluster required = cephx',
      'auth service required = cephx',
      'auth client required = cephx',
      `keyring = ${keyring}`,
      `run dir = ${join(dir, 'run')}`,
      `log file = ${join(dir, 'log')}/$name.log`,
      `admin socket = ${join(dir, 'run')}/$name.asok`,
      `mon data = ${join(dir, 'mon')}/$cluster-$id`,
      `osd data = ${join(dir, 'osd')}/$cluster-$id`,
      'osd objectstore = memstore',
      'memstore device bytes = 1073741824',
      'osd pool default size = 1',
      'osd pool default min size = 1',
      'osd pool default pg num = 8',
      'osd pool default pgp num = 8',
      'osd crush chooseleaf type = 0',
      'mon allow pool size one = true',
      'mon warn on pool no redundancy = false',
      'ms bind msgr1 = false',
      '[osd]',
      `keyring = ${join(dir, 'osd')}/$cluster-$id/keyring`,
      '[client.admin]',
      `rgw frontends = beast endpoint=127.0.0.1:${rgwPort}`,
      `rgw data = ${join(dir, 'rgw')}`,
      'rgw dns name = localhost',
      '',
    ].join('\n'),
  );
  const processes: StartedProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const started of processes.reverse()) await started.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('ceph-authtool', ['--create-keyring', keyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await run('ceph-authtool', [keyring, '--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow *']);
    await run('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, join(dir, 'monmap')]);
    await run('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', keyring]);
    processes.push(startProcess('ceph-mon', ['-f', '-c', conf, '-i', 'a']));
    const ceph = (...args: string[]) => run('ceph', ['-c', conf, '--connect-timeout', '20', ...args]);
    const osdUuid = randomUUID();
    const { stdout: osdId } = await ceph('osd', 'new', osdUuid);
    const id = osdId.trim();
    await run('ceph-osd', ['-c', conf, '-i', id, '--mkfs', '--mkkey', '--osd-uuid', osdUuid, '--no-mon-config']);
    await ceph('auth', 'add', `osd.${id}`, 'osd', 'allow *', 'mon', 'allow profile osd', '-i', join(dir, 'osd', `ceph-${id}`, 'keyring'));
    processes.push(startProcess('ceph-osd', ['-f', '-c', conf, '-i', id]));
    processes.push(startProcess('radosgw', ['-f', '-c', conf, '-n', 'client.admin']));
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitUntil('radosgw', async () => (await fetch(endpoint)).status === 200, 60_000, processes[2]);
    const accessKey = 'SMOKEACCESSKEY';
    const secretKey = 'smoke-secret-key-for-a-throwaway-ceph';
    await run('radosgw-admin', ['-c', conf, 'user', 'create', '--uid', 'smoke', '--display-name', 'smoke', '--access-key', accessKey, '--secret-key', secretKey]);
    return {
      endpoint,
      accessKey,
      secretKey,
      createBucket: async (name) => {
        const answer = await signedS3Request({ method: 'PUT', url: `${endpoint}/${name}`, accessKey, secretKey });
        if (answer.status !== 200) throw new Error(`creating bucket ${name}: ${answer.status} ${await answer.text()}`);
      },
      stop,
    };
  } catch (error) {
    const logs = processes.map((started) => started.output().slice(-1500)).join('\n');
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${logs}`);
  }
}
