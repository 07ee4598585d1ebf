// An experiment, not product code: loaded with `node --import` into the orchestrator and the simulator
// by `npm run bench -- --reuse-connections`. @kubernetes/client-node 2.0.1 builds a new undici Agent
// (so a new TLS connection and handshake) for every API call in KubeConfig.createDispatcher; this
// memoises one dispatcher per KubeConfig, cluster and user, to measure what connection reuse buys.
import { KubeConfig } from '@kubernetes/client-node';

type CreateDispatcher = (this: KubeConfig, cluster: { name?: string; server?: string } | null, options: object) => unknown;
const proto = KubeConfig.prototype as unknown as { createDispatcher: CreateDispatcher };
const original = proto.createDispatcher;
const cache = new WeakMap<KubeConfig, Map<string, unknown>>();

proto.createDispatcher = function (this: KubeConfig, cluster, options) {
  let mine = cache.get(this);
  if (!mine) cache.set(this, (mine = new Map()));
  const key = JSON.stringify([cluster?.name ?? '', cluster?.server ?? '', this.getCurrentUser()?.name ?? '']);
  if (!mine.has(key)) mine.set(key, original.call(this, cluster, options));
  return mine.get(key);
};
