// Everything that talks to the Kubernetes API: the JSON client, informers and their caches, the
// rate-limited writer, the executor of actors' writes, leader election and the error catalog.
// Knows nothing of phases.
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
export { Informer, type InformerOptions, type KubeObject } from './informer.js';
export { Caches, ownerUid } from './caches.js';
export { ApiWriter, type WriterOptions } from './writer.js';
export { RemediationApi } from './remediation-api.js';
export { LeaderElector } from './leader-election.js';
export { withConnectionReuse } from './connection-reuse.js';
export { ERROR_CODES, OrchestratorError, classify, type ErrorCode } from './errors.js';
