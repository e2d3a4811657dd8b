import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyTc3Request } from './signature.js';

/**
 * A stand-in for the TKE API (tke.tencentcloudapi.com, version 2018-05-25) on 127.0.0.1: it
 * verifies the TC3-HMAC-SHA256 signature of every request and answers in the documented
 * shapes, {"Response": {..., "RequestId"}} or {"Response": {"Error": {"Code", "Message"}, "RequestId"}}.
 */

export type EndpointStatus = 'Created' | 'Creating' | 'NotFound' | 'CreateFailed';

export interface SimulatedCluster {
  region: string;
  /** What DescribeClusterKubeconfig returns for IsExtranet true / false. */
  kubeconfig: { internet: string; intranet: string };
  /** What DescribeClusterEndpointStatus reports for IsExtranet true / false. */
  endpoints: { internet: EndpointStatus; intranet: EndpointStatus };
}

export interface TencentCloudApiOptions {
  /** SecretId → SecretKey of the keys the account has. */
  keys: Record<string, string>;
  clusters: Record<string, SimulatedCluster>;
  /** SecretId → TKE actions its CAM user may call; a key not listed may call everything. */
  allowedActions?: Record<string, string[]>;
}

export interface ReceivedCall {
  action: string;
  region: string | undefined;
  host: string | undefined;
  body: Record<string, unknown>;
  /** The verdict's error code, or undefined when the call was answered. */
  error?: string;
}

export interface TencentCloudApi {
  /** http://127.0.0.1:<port>, for tencentcloud-api-endpoint. */
  url: string;
  calls: ReceivedCall[];
  close(): Promise<void>;
}

const SERVICE = 'tke';
const API_VERSION = '2018-05-25';

type Answer = { status?: number; response: Record<string, unknown> };

function errorAnswer(code: string, message: string): Answer {
  return { response: { Error: { Code: code, Message: message } } };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

function answerAction(options: TencentCloudApiOptions, secretId: string, action: string, region: string | undefined, body: Record<string, unknown>): Answer {
  const allowed = options.allowedActions?.[secretId];
  if (allowed && !allowed.includes(action)) {
    return errorAnswer('UnauthorizedOperation.CamNoAuth', `you are not authorized to perform operation (tke:${action})`);
  }
  if (action !== 'DescribeClusterKubeconfig' && action !== 'DescribeClusterEndpointStatus') return errorAnswer('InvalidAction', `The action ${action} is not supported by this simulator.`);
  if (!region) return errorAnswer('MissingParameter', 'The request is missing a required parameter `Region`.');
  const clusterId = body.ClusterId;
  if (typeof clusterId !== 'string' || !clusterId) return errorAnswer('MissingParameter', 'The request is missing a required parameter `ClusterId`.');
  const cluster = options.clusters[clusterId];
  // A cluster of another region is as unknown as one that does not exist.
  if (!cluster || cluster.region !== region) return errorAnswer('ResourceNotFound.ClusterNotFound', `cluster ${clusterId} not found`);
  const access = body.IsExtranet === true ? 'internet' : 'intranet';
  if (action === 'DescribeClusterKubeconfig') return { response: { Kubeconfig: cluster.kubeconfig[access] } };
  const status = cluster.endpoints[access];
  return { response: { Status: status, ErrorMsg: status === 'CreateFailed' ? 'security group sg-00000000 not found' : '' } };
}

export async function startTencentCloudApi(options: TencentCloudApiOptions): Promise<TencentCloudApi> {
  const keys = new Map(Object.entries(options.keys));
  const calls: ReceivedCall[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const action = header(request.headers, 'x-tc-action') ?? '';
      const region = header(request.headers, 'x-tc-region');
      let body: Record<string, unknown> = {};
      try {
        body = rawBody.length ? (JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        // answered below as a signature or parameter error, like the real API
      }
      const verdict = verifyTc3Request({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body: rawBody }, keys, SERVICE);
      let answer: Answer;
      if (!verdict.ok) answer = errorAnswer(verdict.code, verdict.message);
      else if (header(request.headers, 'x-tc-version') !== API_VERSION) answer = errorAnswer('NoSuchVersion', 'The requested version does not exist.');
      else answer = answerAction(options, verdict.secretId, action, region, body);
      const error = (answer.response.Error as { Code?: string } | undefined)?.Code;
      calls.push({ action, region, host: request.headers.host, body, error });
      const payload = JSON.stringify({ Response: { ...answer.response, RequestId: randomUUID() } });
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json', 'x-tc-traceid': randomUUID() });
      response.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
