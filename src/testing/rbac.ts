// Grants a user of the local control plane exactly the orchestrator's permissions: the ClusterRole
// of config/rbac/role.yaml and, in the Lease's namespace, the Role of leader-election-role.yaml.
import { readFile } from 'node:fs/promises';
import {
  loadYaml,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type RbacV1Subject,
  type V1ClusterRole,
  type V1Role,
} from '@kubernetes/client-node';

const rbacDir = new URL('../../config/rbac/', import.meta.url);

async function manifest<T>(file: string): Promise<T> {
  return loadYaml<T>(await readFile(new URL(file, rbacDir), 'utf8'));
}

/** Creates `create()`'s object, or keeps the one already there (a second replica binds the same roles). */
async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

/**
 * Binds `user` (a static-token user of `startControlPlane({ users })`, or any User subject) to the
 * orchestrator's ClusterRole, and to its leader-election Role in `leaseNamespace`.
 */
export async function bindOrchestratorRole(
  admin: KubeConfig,
  user: string,
  leaseNamespace: string,
): Promise<void> {
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const clusterRole = await manifest<V1ClusterRole>('role.yaml');
  const leaseRole = await manifest<V1Role>('leader-election-role.yaml');
  const roleName = clusterRole.metadata!.name!;
  const leaseRoleName = leaseRole.metadata!.name!;
  const subjects: RbacV1Subject[] = [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }];
  await ensure(() => rbac.createClusterRole({ body: clusterRole }));
  await ensure(() =>
    rbac.createClusterRoleBinding({
      body: {
        metadata: { name: `${roleName}-${user}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
        subjects,
      },
    }),
  );
  await ensure(() =>
    rbac.createNamespacedRole({
      namespace: leaseNamespace,
      body: { ...leaseRole, metadata: { name: leaseRoleName, namespace: leaseNamespace } },
    }),
  );
  await ensure(() =>
    rbac.createNamespacedRoleBinding({
      namespace: leaseNamespace,
      body: {
        metadata: { name: `${leaseRoleName}-${user}`, namespace: leaseNamespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: leaseRoleName },
        subjects,
      },
    }),
  );
}
