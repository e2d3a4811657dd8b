import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';

/**
 * How long the API server gets to accept a TCP connection and complete a TLS handshake. A
 * reachable endpoint does both in well under a second even across continents; an endpoint whose
 * security policy drops the runner's packets never does, and kubectl would wait 30 s or more per
 * request before saying only "i/o timeout".
 */
export const PROBE_TIMEOUT_MS = 5_000;

export type ProbeResult = { reachable: true; elapsedMs: number } | { reachable: false; reason: string };

interface SystemError extends Error {
  code?: string;
}

function describeFailure(error: SystemError, host: string, port: number, stage: 'connect' | 'tls'): string {
  if (stage === 'tls') return `accepted the TCP connection but the TLS handshake failed (${error.code ?? error.message})`;
  switch (error.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NODATA':
      return `does not resolve: the name ${host} has no address (${error.code})`;
    case 'ECONNREFUSED':
      return `refused the connection to port ${port}`;
    case 'ECONNRESET':
      return 'reset the connection';
    default:
      return `could not be reached (${error.code ?? error.message})`;
  }
}

/**
 * Whether the API server a kubeconfig names answers: a TCP connection and, for https, a TLS
 * handshake, within `timeoutMs` altogether. Nothing is sent besides the handshake, so no
 * credential is involved. The certificate is not verified here: the question is only whether
 * anything answers (kubectl verifies it on the real requests).
 */
export function probeApiServer(server: URL, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const host = server.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(server.port) || (server.protocol === 'http:' ? 80 : 443);
  const started = Date.now();
  return new Promise((resolve) => {
    let stage: 'connect' | 'tls' = 'connect';
    let tls: TLSSocket | undefined;
    const finish = (result: ProbeResult): void => {
      clearTimeout(timer);
      tls?.destroy();
      tcp.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      const within = `${timeoutMs / 1000} s`;
      finish({ reachable: false, reason: stage === 'tls' ? `accepted the TCP connection but completed no TLS handshake within ${within}` : `accepted no TCP connection on port ${port} within ${within}` });
    }, timeoutMs);
    const tcp: Socket = connectTcp({ host, port });
    tcp.once('error', (error: SystemError) => finish({ reachable: false, reason: describeFailure(error, host, port, stage) }));
    tcp.once('connect', () => {
      if (server.protocol === 'http:') {
        finish({ reachable: true, elapsedMs: Date.now() - started });
        return;
      }
      stage = 'tls';
      // rejectUnauthorized: false because only the handshake's completion is in question (see above).
      tls = connectTls({ socket: tcp, servername: isIP(host) ? undefined : host, rejectUnauthorized: false });
      tls.once('secureConnect', () => finish({ reachable: true, elapsedMs: Date.now() - started }));
      tls.once('error', (error: SystemError) => finish({ reachable: false, reason: describeFailure(error, host, port, 'tls') }));
    });
  });
}
