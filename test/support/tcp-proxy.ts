// A TCP proxy between the orchestrator and the API server that can cut every open connection on
// demand: watches and requests in flight break as on a network fault, while the API server keeps
// running. It forwards bytes only, so TLS stays end to end (the serving certificate names 127.0.0.1
// whatever the port).
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The loopback port it listens on. */
  port: number;
  /** The URL to give clients instead of `target`'s: same scheme, the proxy's port. */
  url: string;
  /** Connections open now. */
  readonly open: number;
  /** Resets every open connection (both sides get an RST) and returns how many there were. */
  cutAll(): number;
  close(): Promise<void>;
}

function reset(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** Listens on a free loopback port and forwards each connection to `target` (a URL such as https://127.0.0.1:6443). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const to = new URL(target);
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: to.hostname, port: Number(to.port) });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = (): void => {
      if (!pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.on('error', end);
      socket.on('close', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('tcp-proxy: no listening address');
  const port = address.port;
  const cutAll = (): number => {
    const cut = [...pairs];
    pairs.clear();
    for (const [client, upstream] of cut) {
      reset(client);
      reset(upstream);
    }
    return cut.length;
  };
  return {
    port,
    url: `${to.protocol}//127.0.0.1:${port}`,
    get open() {
      return pairs.size;
    },
    cutAll,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cutAll();
      await closed;
    },
  };
}
