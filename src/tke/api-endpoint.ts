import type { Duplex } from 'node:stream';
import { Agent as HttpAgent, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions as HttpsRequestOptions } from 'node:https';
import { TkeKubeconfigError } from './errors.js';

/** TKE's public API domain: the name requests carry and are signed for unless told otherwise. */
export const TKE_API_HOST = 'tke.tencentcloudapi.com';

/**
 * The API domain for a region. Finance regions (ap-shanghai-fsi, ap-shenzhen-fsi…) are isolated
 * from the others and are served only by a domain that names the region, e.g.
 * tke.ap-shanghai-fsi.tencentcloudapi.com (TKE API "Request Structure", service address notes);
 * every other region is served by the nearest-access domain.
 */
export function tkeApiHost(region: string): string {
  return /-fsi$/.test(region.trim()) ? `tke.${region.trim()}.tencentcloudapi.com` : TKE_API_HOST;
}

/** How the SDK client reaches the API: its httpProfile fields. */
export interface ApiRoute {
  /**
   * The host name the SDK puts in the URL, the Host header and the signature; never with a port.
   * The SDK (tencentcloud-sdk-nodejs-common, sign.js) signs `host:<hostname>` while it sends
   * `Host: <hostname>:<port>`, and a gateway that checks the signature against the Host it
   * receives (as the documented algorithm and the Go and Python SDKs do) rejects that.
   */
  endpoint: string;
  protocol: 'https://' | 'http://';
  /** Set when connections go elsewhere than `endpoint` on the protocol's default port. */
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

interface ConnectTarget {
  host: string;
  port: number;
}

/** Connects every request to one address, whatever host and port its URL names. */
class ForwardingHttpAgent extends HttpAgent {
  constructor(private readonly target: ConnectTarget) {
    super({ keepAlive: false });
  }

  override createConnection(options: ClientRequestArgs, callback?: (error: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    return super.createConnection({ ...options, host: this.target.host, port: this.target.port }, callback);
  }
}

/** The same over TLS: the certificate is still verified for the host name the request names (servername). */
class ForwardingHttpsAgent extends HttpsAgent {
  constructor(
    private readonly target: ConnectTarget,
    private readonly servername: string,
  ) {
    super({ keepAlive: false });
  }

  override createConnection(options: HttpsRequestOptions, callback?: (error: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    return super.createConnection({ ...options, host: this.target.host, port: this.target.port, servername: this.servername }, callback);
  }
}

/**
 * Where the SDK connects and what it names. The SDK signs for the service named by the
 * endpoint's first label and TKE accepts only "tke", so:
 * - no input: the region's TKE domain (see tkeApiHost);
 * - a host whose first label is tke (tke.internal.tencentcloudapi.com, tke.intl.tencentcloudapi.com,
 *   tke.<region>.tencentcloudapi.com): that host is named and signed;
 * - any other address (an IP, a forwarder, a local test server): only where connections go, while
 *   the request still names and signs the region's TKE domain, as a private link or an L4
 *   forwarder to the API needs.
 * A port never goes into the endpoint (see ApiRoute.endpoint): it is where the agent connects.
 */
export function apiRoute(apiEndpoint: string | undefined, region: string): ApiRoute {
  if (!apiEndpoint?.trim()) return { endpoint: tkeApiHost(region), protocol: 'https://' };
  const url = parseApiEndpoint(apiEndpoint);
  if (typeof url === 'string') throw new TkeKubeconfigError('InvalidApiEndpoint', `tencentcloud-api-endpoint ${url}.`, 'leave tencentcloud-api-endpoint empty for the public API, or set it to a host or https://host:port.');
  const protocol = url.protocol === 'http:' ? 'http://' : 'https://';
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const namesTke = hostname.split('.')[0] === 'tke';
  const endpoint = namesTke ? hostname : tkeApiHost(region);
  if (namesTke && !url.port) return { endpoint, protocol };
  const target = { host: hostname, port: Number(url.port) || (protocol === 'http://' ? 80 : 443) };
  return { endpoint, protocol, agent: protocol === 'http://' ? new ForwardingHttpAgent(target) : new ForwardingHttpsAgent(target, endpoint) };
}
