// Generic Kubernetes plumbing, for any kind: the JSON client, informers, the rate-limited writer,
// leader election and the error catalog. Knows nothing of actors, phases or configuration;
// src/cluster adapts it to the orchestrator's kinds.
export {
  KubeHttp,
  KubeApiError,
  ContentType,
  type KubeHttpOptions,
  type RequestOptions,
  type WatchOptions,
  type WatchHandle,
  type Query,
  type Method,
} from './kube-http.js';
export { Informer, type InformerOptions, type InformerEventType } from './informer.js';
export { IndexedStore, type Indexer, type KubeObject } from './indexed-store.js';
export { ApiWriter, type WriterOptions } from './writer.js';
export { LeaderElector, type LeaderElectorOptions } from './leader-election.js';
export { withConnectionReuse } from './connection-reuse.js';
export { ERROR_CODES, OrchestratorError, classify, type ErrorCode } from './errors.js';
