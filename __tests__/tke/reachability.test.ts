import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiServerUrl, proxyVariableFor } from '../../src/tke/endpoint-check.js';
import { probeApiServer, PROBE_TIMEOUT_MS } from '../../src/tke/reachability.js';
import { refusingAddress, startSilentListener, startTlsListener, type Listener } from '../support/listeners.js';

let silent: Listener;
let tls: Listener;
let plain: Server;

beforeAll(async () => {
  silent = await startSilentListener();
  tls = await startTlsListener();
  plain = createServer((_request, response) => response.end());
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await silent.close();
  await tls.close();
  await new Promise((resolve) => plain.close(resolve));
});

describe('probeApiServer', () => {
  it('finds an API server that completes a TLS handshake reachable', async () => {
    expect(await probeApiServer(new URL(tls.url))).toMatchObject({ reachable: true });
  });

  it('needs only a TCP connection for an http server', async () => {
    const { port } = plain.address() as AddressInfo;
    expect(await probeApiServer(new URL(`http://127.0.0.1:${port}`))).toMatchObject({ reachable: true });
  });

  it('gives up on a listener that accepts and says nothing, naming the missing handshake and the time it waited', async () => {
    const result = await probeApiServer(new URL(silent.url));
    expect(result).toEqual({ reachable: false, reason: `accepted the TCP connection but completed no TLS handshake within ${PROBE_TIMEOUT_MS / 1000} s` });
  });

  it('reports a refused connection and a name that does not resolve as such', async () => {
    const refused = new URL(await refusingAddress());
    expect(await probeApiServer(refused)).toEqual({ reachable: false, reason: `refused the connection to port ${refused.port}` });
    const unresolvable = await probeApiServer(new URL('https://cls-nonexistent.invalid'));
    expect(unresolvable).toMatchObject({ reachable: false, reason: expect.stringMatching(/^does not resolve: the name cls-nonexistent\.invalid has no address/) });
  });
});

describe('apiServerUrl', () => {
  it('takes the server of the current context, or of the only cluster', () => {
    const document = {
      'current-context': 'b',
      contexts: [{ name: 'a', context: { cluster: 'one' } }, { name: 'b', context: { cluster: 'two' } }],
      clusters: [{ name: 'one', cluster: { server: 'https://one.example:6443' } }, { name: 'two', cluster: { server: 'https://two.example' } }],
    };
    expect(apiServerUrl(document)?.origin).toBe('https://two.example');
    expect(apiServerUrl({ clusters: [{ name: 'x', cluster: { server: 'https://10.0.0.12:443' } }] })?.host).toBe('10.0.0.12');
    expect(apiServerUrl({ clusters: [{ name: 'x', cluster: { server: 'not a url' } }] })).toBeUndefined();
  });
});

describe('proxyVariableFor', () => {
  const server = new URL('https://cls-abcd1234.ccs.tencent-cloud.com');
  const ip = new URL('https://10.0.0.12');

  it('names the proxy variable kubectl would use for the server', () => {
    expect(proxyVariableFor(server, {})).toBeUndefined();
    expect(proxyVariableFor(server, { HTTP_PROXY: 'http://proxy:3128' })).toBeUndefined();
    expect(proxyVariableFor(server, { HTTPS_PROXY: 'http://proxy:3128' })).toBe('HTTPS_PROXY');
    expect(proxyVariableFor(server, { https_proxy: 'http://proxy:3128' })).toBe('https_proxy');
  });

  it('honours NO_PROXY domains, IPs, CIDRs and *', () => {
    const proxy = { HTTPS_PROXY: 'http://proxy:3128' };
    expect(proxyVariableFor(server, { ...proxy, NO_PROXY: 'tencent-cloud.com' })).toBeUndefined();
    expect(proxyVariableFor(server, { ...proxy, NO_PROXY: '.ccs.tencent-cloud.com' })).toBeUndefined();
    expect(proxyVariableFor(server, { ...proxy, no_proxy: 'example.com,*' })).toBeUndefined();
    expect(proxyVariableFor(server, { ...proxy, NO_PROXY: 'cloud.com.cn' })).toBe('HTTPS_PROXY');
    expect(proxyVariableFor(ip, { ...proxy, NO_PROXY: '10.0.0.0/8' })).toBeUndefined();
    expect(proxyVariableFor(ip, { ...proxy, NO_PROXY: '10.0.0.12' })).toBeUndefined();
    expect(proxyVariableFor(ip, { ...proxy, NO_PROXY: '192.168.0.0/16' })).toBe('HTTPS_PROXY');
  });
});
