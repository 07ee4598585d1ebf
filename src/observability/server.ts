// A small node:http server for Prometheus scrapes and kubelet probes; no framework needed for three routes.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A probe: true when healthy, otherwise the reason, served with 503. Throwing counts as unhealthy. */
export type HealthCheck = () => true | string;

export interface HealthServerOptions {
  host: string;
  /** 0 picks a free port; the returned `port` is the real one. */
  port: number;
  registry: Registry;
  /** /healthz: false only when the process should be restarted (e.g. the event loop is wedged). */
  live: HealthCheck;
  /** /readyz: false while not yet able to serve (e.g. informers not synced). */
  ready: HealthCheck;
}

export interface HealthServer {
  port: number;
  /** Stops listening and closes open (keep-alive) connections. */
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

function probe(res: ServerResponse, check: HealthCheck): void {
  let verdict: true | string;
  try {
    verdict = check();
  } catch (err) {
    verdict = err instanceof Error ? err.message : String(err);
  }
  if (verdict === true) send(res, 200, 'ok\n');
  else send(res, 503, `${verdict}\n`);
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: HealthServerOptions,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const known = path === '/metrics' || path === '/healthz' || path === '/readyz';
  if (!known) return send(res, 404, 'not found: try /metrics, /healthz or /readyz\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, `method ${req.method} not allowed\n`);
  }
  if (path === '/healthz') return probe(res, options.live);
  if (path === '/readyz') return probe(res, options.ready);
  try {
    send(res, 200, await options.registry.metrics(), options.registry.contentType);
  } catch (err) {
    send(res, 500, `collecting metrics failed: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

/** Serves GET /metrics, /healthz and /readyz until `close()`; rejects if the address cannot be bound. */
export function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    void handle(req, res, options);
  });
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(
        new Error(
          `cannot serve metrics and probes on ${options.host}:${options.port}: ${err.message}; choose another --metrics-bind-address`,
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
