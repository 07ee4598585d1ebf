// A real local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) for the
// integration tests, the demo and the benchmarks; or an existing cluster named by KUBECONFIG_TEST.
// Optionally with an audit log of writes and API users of its own, for the fencing tests.
export {
  startControlPlane,
  type ControlPlane,
  type ControlPlaneOptions,
  type KubeconfigOptions,
} from './control-plane.js';
export { installCrds, crdManifests } from './crds.js';
export { auditPolicy, parseAuditLog, readAuditWrites, writesByUser, type AuditWrite } from './audit.js';
export { bindOrchestratorRole } from './rbac.js';
