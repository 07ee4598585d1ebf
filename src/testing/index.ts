// A real local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) for the
// integration tests, the demo and the benchmarks; or an existing cluster named by KUBECONFIG_TEST.
export { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './control-plane.js';
export { installCrds, crdManifests } from './crds.js';
