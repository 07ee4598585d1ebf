// The orchestrator's adapters between the Kubernetes plumbing of src/k8s and the actors' contract:
// the cached views an actor reads, and the executor of the writes it decides.
export { Caches, type CachesOptions } from './caches.js';
export { ownerUid } from './owner.js';
export { projectAny } from './projection.js';
export { RemediationApi, type RemediationApiObserver } from './remediation-api.js';
