import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnsupported, KubeApi, KubeApiError, type Unsupported } from '../../src/kube/api-client.js';
import { failureOf } from '../support/failure.js';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';
import { createClusterCa } from '../support/tencentcloud-api/cluster-ca.js';

/**
 * The action's own API client against kube-sim over HTTPS, with the credentials TKE and runners
 * hand out (a bearer token, a client certificate), the CA verified or skipped; and the
 * kubeconfigs it leaves to kubectl.
 */
const TOKEN = 'api-client-token-0123456789';
const work = mkdtempSync(join(tmpdir(), 'api-client-'));
let sim: KubeSim;

beforeAll(async () => {
  sim = await startKubeSim({ tls: true, token: TOKEN });
});
afterAll(async () => {
  await sim?.close();
});

function client(file: string, env: NodeJS.ProcessEnv = {}): KubeApi {
  const made = KubeApi.fromKubeconfig(file, undefined, env);
  if (isUnsupported(made)) throw new Error(made.unsupported);
  return made;
}

function kubeconfigWith(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const file = join(work, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    file,
    yaml.dump({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }], 'current-context': 'x' }),
  );
  return file;
}

describe('the API client', () => {
  it('reads with a bearer token over verified TLS, and says "absent" for a 404', async () => {
    const api = client(sim.writeKubeconfig(work, { verifyTls: true, fileName: 'verified' }));
    try {
      expect(await api.get<{ gitVersion: string }>('/version')).toMatchObject({ gitVersion: expect.stringMatching(/^v1\.34/) });
      expect(await api.get('/api/v1/namespaces/default')).toMatchObject({ kind: 'Namespace', metadata: { name: 'default' } });
      expect(await api.get('/api/v1/namespaces/no-such-namespace')).toBeUndefined();
    } finally {
      api.close();
    }
  });

  it('is refused with the API server\'s own words for a wrong token', async () => {
    const api = client(kubeconfigWith({ server: sim.url, 'insecure-skip-tls-verify': true }, { token: 'not-the-token-0123456789' }));
    try {
      const error = await failureOf(api.get('/api/v1/namespaces'));
      expect(error).toBeInstanceOf(KubeApiError);
      expect((error as KubeApiError).status).toBe(401);
    } finally {
      api.close();
    }
  });

  it('applies server-side as the action\'s field manager, and asks access reviews', async () => {
    const api = client(sim.writeKubeconfig(work, { fileName: 'apply' }));
    try {
      const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: 'default' }, data: { key: 'one' } };
      await api.apply('/api/v1/namespaces/default/configmaps/applied', object, 'harbor-tke-action');
      await api.apply('/api/v1/namespaces/default/configmaps/applied', { ...object, data: { key: 'two' } }, 'harbor-tke-action');
      expect(sim.get('v1', 'ConfigMap', 'default', 'applied')?.data).toEqual({ key: 'two' });
      const review = await api.post<{ status: { allowed: boolean } }>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: 'create', resource: 'secrets', namespace: 'default' } },
      });
      expect(review.status.allowed).toBe(true);
    } finally {
      api.close();
    }
  });

  it('authenticates with a client certificate, as TKE issues them', async () => {
    const ca = createClusterCa('api-client-ca');
    const certSim = await startKubeSim({ tls: true, clientCaPem: ca.certPem });
    const credential = ca.clientCredential('100000000001');
    const api = client(
      kubeconfigWith(
        { server: certSim.url, 'certificate-authority-data': Buffer.from(certSim.caPem!).toString('base64') },
        { 'client-certificate-data': Buffer.from(credential.certPem).toString('base64'), 'client-key-data': Buffer.from(credential.keyPem).toString('base64') },
      ),
    );
    try {
      expect(await api.get('/api/v1/namespaces/default')).toMatchObject({ metadata: { name: 'default' } });
    } finally {
      api.close();
      await certSim.close();
    }
  });

  it('reads from a server that closes every connection after the body', async () => {
    const body = JSON.stringify({ gitVersion: 'v1.34.0-closing' });
    const server: Server = createServer((socket) => {
      socket.once('data', () => socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const api = client(kubeconfigWith({ server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, {}));
    try {
      for (let i = 0; i < 5; i++) expect(await api.get('/version')).toEqual({ gitVersion: 'v1.34.0-closing' });
    } finally {
      api.close();
      server.close();
    }
  });

  it('leaves to kubectl the kubeconfigs it does not speak: exec plugins, auth providers, a proxy', () => {
    const reason = (made: KubeApi | Unsupported) => (isUnsupported(made) ? made.unsupported : 'supported');
    const remote = { server: 'https://203.0.113.10:6443' };
    expect(reason(KubeApi.fromKubeconfig(kubeconfigWith(remote, { exec: { command: 'tke-credential', apiVersion: 'client.authentication.k8s.io/v1' } }), undefined, {}))).toMatch(/exec plugin/);
    expect(reason(KubeApi.fromKubeconfig(kubeconfigWith(remote, { 'auth-provider': { name: 'oidc' } }), undefined, {}))).toMatch(/auth provider/);
    expect(reason(KubeApi.fromKubeconfig(kubeconfigWith({ ...remote, 'proxy-url': 'http://proxy:3128' }, { token: TOKEN }), undefined, {}))).toMatch(/proxy-url/);
    const tokenUser = kubeconfigWith(remote, { token: TOKEN });
    expect(reason(KubeApi.fromKubeconfig(tokenUser, undefined, { HTTPS_PROXY: 'http://proxy:3128' }))).toMatch(/HTTPS_PROXY/);
    // As Go's ProxyFromEnvironment: NO_PROXY exempts the host, and loopback is never proxied.
    expect(reason(KubeApi.fromKubeconfig(tokenUser, undefined, { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '203.0.113.10' }))).toBe('supported');
    expect(reason(KubeApi.fromKubeconfig(kubeconfigWith({ server: 'https://127.0.0.1:6443' }, { token: TOKEN }), undefined, { HTTPS_PROXY: 'http://proxy:3128' }))).toBe('supported');
    expect(reason(KubeApi.fromKubeconfig(kubeconfigWith(remote, {}), 'no-such-context', {}))).toMatch(/names no cluster/);
  });
});
