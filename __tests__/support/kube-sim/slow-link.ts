import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A long link in front of the simulator: a TCP relay that holds every chunk, in each direction,
 * for half the round-trip time before passing it on, in order. So each request pays one round
 * trip, a TLS handshake pays its round trips too, a watch event arrives half a round trip after
 * it happened, and a client that reuses one connection pays no new handshake: what a runner far
 * from its cluster sees (GitHub-hosted runners reach TKE's public endpoints across an ocean).
 */
export interface SlowLink {
  /** host:port to connect to instead of the simulator. */
  address: string;
  close(): Promise<void>;
}

export async function startSlowLink(target: AddressInfo, roundTripMs: number): Promise<SlowLink> {
  const oneWay = roundTripMs / 2;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.address);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    relay(client, upstream, oneWay);
    relay(upstream, client, oneWay);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Passes `from`'s bytes to `to`, each chunk `delayMs` after it arrived, never reordered. */
function relay(from: Socket, to: Socket, delayMs: number): void {
  let lastDue = 0;
  const later = (action: () => void) => {
    const due = Math.max(performance.now() + delayMs, lastDue);
    lastDue = due;
    setTimeout(action, due - performance.now());
  };
  from.on('data', (chunk: Buffer) => later(() => to.destroyed || to.write(chunk)));
  from.on('end', () => later(() => to.destroyed || to.end()));
  from.on('close', () => later(() => to.destroy()));
}
