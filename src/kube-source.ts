// The process's way to its API server: in a pod with no kubeconfig asked for, the ServiceAccount
// alone (no @kubernetes/client-node in memory); otherwise client-node's KubeConfig, imported here
// and only here, for its full auth support (exec plugins, OIDC, client certificates, contexts).
import { inClusterAccess, type KubeSource } from './k8s/cluster-access.js';

export interface KubeChoice {
  /** --kubeconfig or KUBECONFIG. */
  kubeconfig?: string;
  context?: string;
}

export async function kubeSourceFor(
  choice: KubeChoice,
  inCluster: () => KubeSource | undefined = () => inClusterAccess(),
): Promise<KubeSource> {
  if (!choice.kubeconfig && !choice.context) {
    const access = inCluster();
    if (access) return access;
  }
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (choice.kubeconfig) kc.loadFromFile(choice.kubeconfig);
  else kc.loadFromDefault();
  if (choice.context) kc.setCurrentContext(choice.context);
  return kc;
}
