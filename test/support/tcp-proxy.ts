// A TCP proxy between the orchestrator and the API server that can cut every open connection on
// demand, or make them go silent: watches and requests in flight break as on a network fault, while
// the API server keeps running. It forwards bytes only, so TLS stays end to end (the serving
// certificate names 127.0.0.1 whatever the port).
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The loopback port it listens on. */
  port: number;
  /** The URL to give clients instead of `target`'s: same scheme, the proxy's port. */
  url: string;
  /** Connections open now (silent ones included). */
  readonly open: number;
  /** Resets every open connection (both sides get an RST) and returns how many there were. */
  cutAll(): number;
  /**
   * Every open connection goes silent for good, as when a NAT or load balancer forgets it: nothing
   * is forwarded either way any more, and nothing closes it (until `close`). Returns how many.
   */
  blackholeAll(): number;
  /** From now on new connections are accepted but get nothing through (a SYN that hangs), until `resume`. */
  pause(): void;
  /** Connects the connections that `pause` held, and every new one, as before. */
  resume(): void;
  close(): Promise<void>;
}

function reset(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

interface Pair {
  client: Socket;
  upstream?: Socket;
}

/** Listens on a free loopback port and forwards each connection to `target` (a URL such as https://127.0.0.1:6443). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const to = new URL(target);
  const pairs = new Set<Pair>();
  /** Accepted while paused: not connected upstream yet, their bytes buffered by the client socket. */
  const held = new Set<Pair>();
  /** Silent for good: whatever arrives is dropped. */
  const silent = new Set<Pair>();
  let paused = false;

  const end = (pair: Pair): void => {
    if (!pairs.delete(pair)) return;
    held.delete(pair);
    silent.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  };
  const forward = (pair: Pair): void => {
    const upstream = connect({ host: to.hostname, port: Number(to.port) });
    pair.upstream = upstream;
    upstream.on('error', () => end(pair));
    upstream.on('close', () => end(pair));
    pair.client.pipe(upstream);
    upstream.pipe(pair.client);
    pair.client.resume();
  };
  const server: Server = createServer((client) => {
    const pair: Pair = { client };
    pairs.add(pair);
    client.on('error', () => end(pair));
    client.on('close', () => end(pair));
    if (paused) {
      client.pause();
      held.add(pair);
    } else forward(pair);
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
    held.clear();
    silent.clear();
    for (const { client, upstream } of cut) {
      reset(client);
      if (upstream) reset(upstream);
    }
    return cut.length;
  };
  const silence = (socket: Socket | undefined): void => {
    if (!socket) return;
    socket.unpipe();
    socket.removeAllListeners('data');
    // Read and drop: the peer's writes succeed and vanish, as packets into a black hole.
    socket.on('data', () => {});
    socket.resume();
  };
  return {
    port,
    url: `${to.protocol}//127.0.0.1:${port}`,
    get open() {
      return pairs.size;
    },
    cutAll,
    blackholeAll() {
      let n = 0;
      for (const pair of pairs) {
        if (silent.has(pair)) continue;
        held.delete(pair);
        silent.add(pair);
        pair.client.unpipe();
        pair.upstream?.unpipe();
        silence(pair.client);
        silence(pair.upstream);
        n++;
      }
      return n;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const pair of [...held]) {
        held.delete(pair);
        forward(pair);
      }
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cutAll();
      await closed;
    },
  };
}
