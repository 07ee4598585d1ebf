// Where KubeHttp gets the server, TLS and credentials of its calls. In a pod that is the
// ServiceAccount's token and CA and the KUBERNETES_SERVICE_* variables, read here without
// @kubernetes/client-node: importing it costs about 85 MiB of resident memory (its generated model
// tree), more than the rest of the orchestrator. A kubeconfig (exec plugins, OIDC, client
// certificates) still goes through client-node's KubeConfig, imported only then (src/kube-source.ts).
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { Agent, type Dispatcher } from 'undici';

export interface Credentials {
  /** https://host:port, without a trailing slash. */
  server: string;
  headers: Record<string, string>;
  /** undefined: undici's global dispatcher. */
  dispatcher: Dispatcher | undefined;
}

/** Credentials without a KubeConfig; KubeHttp asks again every few seconds, so a rotated token is seen. */
export interface ClusterAccess {
  credentials(): Promise<Credentials>;
}

/** A kubeconfig loaded by client-node, or the lighter in-cluster access. */
export type KubeSource = KubeConfig | ClusterAccess;

export function isClusterAccess(source: KubeSource): source is ClusterAccess {
  return typeof (source as Partial<ClusterAccess>).credentials === 'function';
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The HTTP/2 PING interval of every agent to the API server. undici drops a connection whose PING is
 * still unanswered when the next one is due, so one that silently died (a NAT or load balancer forgot
 * it: no RST, no FIN) is found within twice this, with every watch on it. undici's default is 60 s,
 * which left watches on such a connection stalled for up to two minutes.
 */
export const PING_INTERVAL_MS = 10_000;

export interface InClusterOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** The directory of the ServiceAccount's token and ca.crt. */
  dir?: string;
  read?: (path: string) => Buffer;
}

/**
 * The pod's own access to its API server, as client-go's rest.InClusterConfig: undefined outside a
 * pod (no KUBERNETES_SERVICE_HOST, or no token file). The token is re-read at every ask, as bound
 * ServiceAccount tokens rotate; the CA builds one keep-alive agent, rebuilt if the CA changes.
 */
export function inClusterAccess(options: InClusterOptions = {}): ClusterAccess | undefined {
  const env = options.env ?? process.env;
  const dir = options.dir ?? SERVICE_ACCOUNT_DIR;
  const read = options.read ?? ((path: string) => readFileSync(path));
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return undefined;
  try {
    read(`${dir}/token`);
  } catch {
    return undefined;
  }
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  let agent: { ca: string; dispatcher: Dispatcher } | undefined;
  return {
    credentials() {
      const token = read(`${dir}/token`).toString('utf8').trim();
      const ca = read(`${dir}/ca.crt`).toString('utf8');
      if (agent?.ca !== ca) {
        void agent?.dispatcher.close();
        // keepAliveInitialDelay as client-go and client-node: under cloud load balancers' idle timeouts.
        agent = {
          ca,
          dispatcher: new Agent({
            connect: { ca, keepAlive: true, keepAliveInitialDelay: 30_000 },
            h2Options: { pingInterval: PING_INTERVAL_MS },
          }),
        };
      }
      return Promise.resolve({
        server,
        headers: { authorization: `Bearer ${token}` },
        dispatcher: agent.dispatcher,
      });
    },
  };
}
