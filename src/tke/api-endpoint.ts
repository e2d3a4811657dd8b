import { lookup } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';
import { TkeKubeconfigError } from './errors.js';

/** TKE's public API domain: the name requests carry and are signed for unless told otherwise. */
export const TKE_API_HOST = 'tke.tencentcloudapi.com';

/** How the SDK client reaches the API: its httpProfile fields. */
export interface ApiRoute {
  /** host[:port] the SDK puts in the URL and the Host header; it signs for its first label. */
  endpoint: string;
  protocol: 'https://' | 'http://';
  /** Set when the connection goes to another address than the endpoint's name resolves to. */
  agent?: HttpAgent;
}

/** tencentcloud-api-endpoint as a URL: a bare host means https. Returns an error message instead when it is not usable. */
export function parseApiEndpoint(value: string): URL | string {
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return `"${value}" is not a host name or a URL (e.g. tke.internal.tencentcloudapi.com, https://10.0.0.5:8443)`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `uses ${url.protocol.slice(0, -1)}: only https (or http, for a local proxy) is supported`;
  // Credentials in the URL would end up in logs and error messages.
  if (url.username || url.password) return 'must not contain a user name or password';
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return 'must be a host (and port) only: TencentCloud API requests always go to the path "/"';
  return url;
}

/** Error message for the tencentcloud-api-endpoint input, or undefined when it is usable (or empty). */
export function checkTencentCloudApiEndpoint(value: string): string | undefined {
  if (!value.trim()) return undefined;
  const parsed = parseApiEndpoint(value);
  return typeof parsed === 'string' ? parsed : undefined;
}

/**
 * The SDK signs for the service named by the endpoint's first label and for the host name it
 * sends, and TKE only accepts requests signed for "tke". A host such as
 * tke.internal.tencentcloudapi.com is used as is; any other address (an IP, a forwarder, a
 * local test server) is only where the connection goes, while the request still names and
 * signs tke.tencentcloudapi.com, as a private link or an L4 forwarder to the API needs.
 */
export function apiRoute(apiEndpoint: string | undefined): ApiRoute {
  if (!apiEndpoint?.trim()) return { endpoint: TKE_API_HOST, protocol: 'https://' };
  const url = parseApiEndpoint(apiEndpoint);
  if (typeof url === 'string') throw new TkeKubeconfigError('InvalidApiEndpoint', `tencentcloud-api-endpoint ${url}.`, 'leave tencentcloud-api-endpoint empty for the public API, or set it to a host or https://host:port.');
  const protocol = url.protocol === 'http:' ? 'http://' : 'https://';
  const port = url.port ? `:${url.port}` : '';
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (hostname.split('.')[0] === 'tke') return { endpoint: `${hostname}${port}`, protocol };
  const connectTo: LookupFunction = (_name, options, callback) => lookup(hostname, options, callback);
  const agentOptions = { lookup: connectTo, keepAlive: false };
  return {
    endpoint: `${TKE_API_HOST}${port}`,
    protocol,
    agent: protocol === 'http://' ? new HttpAgent(agentOptions) : new HttpsAgent(agentOptions),
  };
}
