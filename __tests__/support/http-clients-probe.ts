/**
 * Every HTTP client of the action against servers that write the whole response and close at once
 * (support/closing-server.ts), in a process of its own so that it runs under the runtime asked for
 * (`node --import tsx`, Node 24 or Node 20) with the modules loaded as the action loads them
 * (@actions/core first: its undici becomes the global dispatcher). An uncatchable crash ends this
 * process, which its parent sees as a missing result.
 *
 *   node --import tsx __tests__/support/http-clients-probe.ts [count] [src-root] [client,…]
 *
 * Prints one JSON line: { runtime, results: { [client]: { ok, failed, errors } } }.
 */
import '@actions/core';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startClosingServer, type ClosingRequest, type Framing } from './closing-server.js';

const count = Number(process.argv[2] ?? 10);
const srcRoot = resolve(process.argv[3] ?? join(import.meta.dirname, '..', '..', 'src'));
const only = process.argv[4]?.split(',');
const load = (path: string) => import(pathToFileURL(join(srcRoot, path)).href);

const download = await load('tools/download.ts');
const registry = await load('smoke/http.ts');
const cos = await load('storage/cos-request.ts');
const tke = await load('tke/kubeconfig.ts');

/** Large enough that loopback delivers it faster than any client reads it: the parser pauses. */
const BIG = Buffer.alloc(4 * 1024 * 1024, 0x61);
const BIG_SHA = createHash('sha256').update(BIG).digest('hex');
const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: cls-probe0001',
  '  cluster:',
  '    server: https://10.0.0.1:443',
  `    certificate-authority-data: ${Buffer.alloc(1024 * 1024, 0x62).toString('base64')}`,
  'contexts:',
  '- name: cls-probe0001-context',
  '  context: {cluster: cls-probe0001, user: probe-user}',
  'current-context: cls-probe0001-context',
  'users:',
  '- name: probe-user',
  '  user: {token: probe-token-5f1e0c2b9a}',
  '',
].join('\n');

function answer(request: ClosingRequest) {
  const action = request.headers['x-tc-action'];
  if (action === 'DescribeClusterKubeconfig') return { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Response: { Kubeconfig: KUBECONFIG, RequestId: 'probe' } }) };
  if (action === 'DescribeClusterEndpointStatus') return { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Response: { Status: 'Created', RequestId: 'probe' } }) };
  if (request.path.endsWith('.sha256')) return { status: 200, body: `${BIG_SHA}  big.bin\n` };
  return { status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: BIG };
}

const scratch = mkdtempSync(join(tmpdir(), 'http-probe-'));
const clients: Record<string, (base: string) => Promise<void>> = {
  'tool download': async (base) => {
    const file = join(scratch, 'big.bin');
    const result = (await download.downloadToFile(`${base}/big.bin`, file, { attempts: 1, baseDelayMs: 1, idleTimeoutMs: 10_000 })) as { sha256: string };
    if (result.sha256 !== BIG_SHA) throw new Error(`digest ${result.sha256}`);
  },
  'checksum file': async (base) => {
    const text = (await download.fetchText(`${base}/big.bin.sha256`, { attempts: 1, baseDelayMs: 1, idleTimeoutMs: 10_000 })) as string;
    if (!text.startsWith(BIG_SHA)) throw new Error(`checksum ${text.slice(0, 20)}`);
  },
  'registry (smoke test)': async (base) => {
    const http = new registry.RegistryHttp(() => 30_000);
    const reply = (await http.send('probe', 'GET', new URL(`${base}/v2/library/probe/blobs/sha256:${BIG_SHA}`))) as { status: number; body: Buffer };
    if (reply.status !== 200 || reply.body.length !== BIG.length) throw new Error(`status ${reply.status}, ${reply.body.length} bytes`);
  },
  'Harbor API': async (base) => {
    const http = new registry.RegistryHttp(() => 30_000);
    const reply = (await http.send('cleanup', 'DELETE', new URL(`${base}/api/v2.0/projects/library/repositories/probe`), { headers: { Authorization: 'Basic cHJvYmU6cHJvYmU=' } })) as { status: number; body: Buffer };
    if (reply.status !== 200 || reply.body.length !== BIG.length) throw new Error(`status ${reply.status}, ${reply.body.length} bytes`);
  },
  'COS (S3)': async (base) => {
    const sender = cos.createCosSender({ endpoint: new URL(base), region: 'ap-guangzhou', bucket: 'probe-1250000000', secretId: 'AKIDprobe', secretKey: 'probe-secret-key', requestTimeoutMs: 10_000 });
    try {
      const reply = (await sender.send({ method: 'GET', key: 'big' })) as { status: number; body: string };
      if (reply.status !== 200 || reply.body.length !== BIG.length) throw new Error(`status ${reply.status}, ${reply.body.length} bytes`);
    } finally {
      sender.close();
    }
  },
  'TKE API': async (base) => {
    const kubeconfig = (await tke.fetchTkeKubeconfig({ clusterId: 'cls-probe0001', region: 'ap-guangzhou', secretId: 'AKIDprobe', secretKey: 'probe-secret-key', endpointAccess: 'internet', apiEndpoint: base })) as string;
    if (kubeconfig !== KUBECONFIG) throw new Error(`kubeconfig of ${kubeconfig.length} bytes`);
  },
};

const results: Record<string, { ok: number; failed: number; errors: string[] }> = {};
for (const framing of ['content-length', 'http/1.0'] as Framing[]) {
  const server = await startClosingServer(answer, framing);
  for (const [name, client] of Object.entries(clients).filter(([name]) => !only || only.includes(name))) {
    const result = (results[`${name}, ${framing}`] = { ok: 0, failed: 0, errors: [] as string[] });
    for (let i = 0; i < count; i++) {
      try {
        await client(server.url);
        result.ok++;
      } catch (error) {
        result.failed++;
        if (result.errors.length < 3) result.errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  }
  await server.close();
}
rmSync(scratch, { recursive: true, force: true });
process.stdout.write(`\n${JSON.stringify({ runtime: process.version, results })}\n`);
