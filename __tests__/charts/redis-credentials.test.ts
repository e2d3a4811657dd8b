import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisCredentialHandling } from '../../src/values/chart-redis.js';
import { realBinaries } from '../support/binaries.js';
import { packageName, publishedCharts, SUPPORTED_CHARTS } from '../support/harbor-charts.js';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';

/**
 * What the action's per-version Redis rules (src/values/chart-redis.ts) claim, checked against
 * the published charts themselves: each renders its Redis URLs with `helm template
 * --dry-run=server` against a cluster holding the Redis Secret, as an upgrade renders them.
 */
const USERNAME = 'harbor-acl';
/** Characters that break a URL when a chart does not escape them. */
const PASSWORD = 'p@ss/w#rd%41:x';

let sim: KubeSim;
let kubeconfig: string;
let chartsDirectory: string;
const scratch = mkdtempSync(join(tmpdir(), 'redis-credentials-'));

function helmTemplate(version: string, values: string): Promise<string> {
  const valuesFile = join(scratch, `values-${version}.yaml`);
  writeFileSync(valuesFile, values);
  return new Promise((resolve, reject) => {
    const child = spawn(realBinaries().helm4, ['template', 'registry', join(chartsDirectory, packageName(version)), '-n', 'registry', '-f', valuesFile, '--dry-run=server', '--kubeconfig', kubeconfig], {
      env: { ...process.env, HELM_CACHE_HOME: join(scratch, 'cache'), HELM_CONFIG_HOME: join(scratch, 'config'), HELM_DATA_HOME: join(scratch, 'data') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr))));
  });
}

/** core's Redis URL as the chart wrote it into its ConfigMap. */
function coreRedisUrl(manifests: string): string {
  const match = /_REDIS_URL_CORE: "([^"]*)"/.exec(manifests);
  if (!match) throw new Error('no _REDIS_URL_CORE in the rendered manifests');
  return match[1]!;
}

beforeAll(async () => {
  chartsDirectory = (await publishedCharts()).directory;
  sim = await startKubeSim();
  kubeconfig = sim.writeKubeconfig(scratch);
  sim.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'registry' } });
  sim.put({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'redis-credentials', namespace: 'registry' },
    type: 'Opaque',
    data: { REDIS_PASSWORD: Buffer.from(PASSWORD).toString('base64'), REDIS_USERNAME: Buffer.from(USERNAME).toString('base64') },
  });
});
afterAll(async () => {
  await sim?.close();
});

const fromSecret = 'redis:\n  type: external\n  external:\n    addr: redis.db:6379\n    existingSecret: redis-credentials\n';
const inValues = `redis:\n  type: external\n  external:\n    addr: redis.db:6379\n    username: ${USERNAME}\n    password: "${PASSWORD}"\n`;

describe('Redis credentials in the published charts\' Redis URLs', () => {
  for (const version of SUPPORTED_CHARTS) {
    it(`chart ${version}: as src/values/chart-redis.ts says`, async () => {
      const handling = redisCredentialHandling(version);
      const url = coreRedisUrl(await helmTemplate(version, fromSecret));
      const parsed = URL.canParse(url) ? new URL(url) : undefined;
      const carriesPassword = url.includes(PASSWORD) || url.includes(encodeURIComponent(PASSWORD));
      expect(carriesPassword || url.includes('p@ss')).toBe(handling.passwordFromSecret);
      expect(url.includes(USERNAME)).toBe(handling.usernameFromSecret);
      // Escaped: the URL parses and gives the password back; unescaped, it ends at the '/'.
      const roundTrips = parsed !== undefined && decodeURIComponent(parsed.password) === PASSWORD && parsed.host === 'redis.db:6379';
      expect(roundTrips).toBe(handling.passwordFromSecret && handling.escaped);

      // The fix the action names, secrets-in-values, works on every chart: the values' password is escaped.
      const escapedUrl = new URL(coreRedisUrl(await helmTemplate(version, inValues)));
      expect([decodeURIComponent(escapedUrl.username), decodeURIComponent(escapedUrl.password), escapedUrl.host]).toEqual([USERNAME, PASSWORD, 'redis.db:6379']);
    });
  }
});
