/**
 * Addresses that behave like unreachable or reachable API servers, on 127.0.0.1: one that accepts
 * connections and never says anything (what a client sees through a black-holing middlebox or a
 * TLS port whose backend is gone), one that refuses them, and one that completes TLS handshakes.
 */
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { selfSignedCertificate } from './kube-sim/tls.js';

export interface Listener {
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server, scheme: string): Promise<Listener> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A client that gives up resets the connection: nothing to report.
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts TCP connections and never writes a byte: a TLS client waits for the server hello forever. */
export function startSilentListener(): Promise<Listener> {
  return listen(createTcpServer(() => undefined), 'https');
}

/** Completes TLS handshakes (self-signed certificate for 127.0.0.1), then says nothing more. */
export function startTlsListener(): Promise<Listener> {
  const server = createTlsServer(selfSignedCertificate(), () => undefined);
  server.on('tlsClientError', () => undefined);
  return listen(server, 'https');
}

/** An https URL on a port nothing listens on: connections are refused at once. */
export async function refusingAddress(): Promise<string> {
  const listener = await listen(createTcpServer(), 'https');
  await listener.close();
  return listener.url;
}
