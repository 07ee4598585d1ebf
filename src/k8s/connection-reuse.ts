// @kubernetes/client-node 2.0.1 builds a new undici Agent, so a new TCP+TLS connection and handshake,
// for every API call (KubeConfig.createDispatcher). Under load that was 40-50% of the orchestrator's
// CPU and most of its latency. This keeps one dispatcher per KubeConfig and TLS identity: a rotated
// client certificate (exec plugins) changes the key and gets a fresh agent. A plain agent is built
// here, as client-node would, with our HTTP/2 PING interval (PING_INTERVAL_MS).
import { createHash } from 'node:crypto';
import type { AgentOptions } from 'node:https';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';
import { Agent } from 'undici';
import { isClusterAccess, PING_INTERVAL_MS, type KubeSource } from './cluster-access.js';

type CreateDispatcher = (cluster: unknown, agentOptions: object) => unknown;
const patched = new WeakSet<KubeConfig>();

/** Patches a KubeConfig; a ClusterAccess keeps one agent of its own and is returned as it is. */
export function withConnectionReuse<T extends KubeSource>(source: T): T {
  if (isClusterAccess(source) || patched.has(source)) return source;
  const kubeConfig: KubeConfig = source;
  const target = kubeConfig as unknown as { createDispatcher: CreateDispatcher };
  const original = target.createDispatcher.bind(kubeConfig);
  const dispatchers = new Map<string, unknown>();
  target.createDispatcher = (cluster, agentOptions) => {
    // Hash the raw TLS material (no JSON of Buffers: that cost 3% of the orchestrator's CPU).
    const hash = createHash('sha1').update(
      JSON.stringify([
        (cluster as { server?: string } | null)?.server ?? '',
        kubeConfig.getCurrentUser()?.name ?? '',
      ]),
    );
    const tls = agentOptions as Record<string, unknown>;
    for (const field of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername']) {
      const value = tls[field];
      hash.update(`|${field}:`);
      if (value !== undefined) hash.update(Buffer.isBuffer(value) ? value : JSON.stringify(value));
    }
    const key = hash.digest('hex');
    if (!dispatchers.has(key))
      dispatchers.set(key, pinging(kubeConfig, cluster, agentOptions) ?? original(cluster, agentOptions));
    return dispatchers.get(key);
  };
  patched.add(kubeConfig);
  return source;
}

/** client-node's agent for a direct connection, PINGing every PING_INTERVAL_MS; undefined for a proxy or none. */
function pinging(kubeConfig: KubeConfig, cluster: unknown, agentOptions: AgentOptions): Agent | undefined {
  const options = kubeConfig.createDispatcherOptions(cluster as Cluster | null, agentOptions);
  if (options.type !== 'agent') return undefined;
  return new Agent({ connect: options.connect, h2Options: { pingInterval: PING_INTERVAL_MS } });
}
