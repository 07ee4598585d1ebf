import { readFile } from 'node:fs/promises';
import {
  CoreV1Api,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1ClusterRole,
  type V1Role,
} from '@kubernetes/client-node';
import { expect } from 'chai';
import { parse } from 'yaml';
import { controlPlane } from '../support/control-plane-hooks.js';
import { notificationName, remediationRequest } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, kubeConfigAs, Objects, type Obj } from '../support/kube.js';
import { startOrchestrator, type RunningOrchestrator } from '../support/orchestrator.js';

const manifest = async <T>(file: string): Promise<T> =>
  parse(await readFile(new URL(`../../config/rbac/${file}`, import.meta.url), 'utf8')) as T;
const byName = (name: string) => (items: Obj[]) => items.find((o) => o.metadata.name === name);
const inPhase = (name: string, phase: string) => (items: Obj[]) =>
  (byName(name)(items)?.status as { phase?: string })?.phase === phase ? true : undefined;

describe('the RBAC of config/rbac', function () {
  this.timeout(90_000);
  let admin: KubeConfig;
  let ns: string;
  let orchestrator: RunningOrchestrator | undefined;
  const suffix = Math.random().toString(16).slice(2, 8);

  before(async function () {
    admin = controlPlane().kubeConfig;
    ns = await createNamespace(admin, 'rbac');
  });
  after(async function () {
    await orchestrator?.stop();
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac
      .deleteClusterRoleBinding({ name: `remediation-orchestrator-${suffix}` })
      .catch(() => undefined);
    await rbac.deleteClusterRole({ name: `remediation-orchestrator-${suffix}` }).catch(() => undefined);
    await deleteNamespace(admin, ns);
  });

  it('is all the orchestrator needs to drive a request from Pending to Completed, with leader election', async function () {
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const clusterRole = await manifest<V1ClusterRole>('role.yaml');
    const leaseRole = await manifest<V1Role>('leader-election-role.yaml');
    const name = `remediation-orchestrator-${suffix}`;
    await core.createNamespacedServiceAccount({
      namespace: ns,
      body: { metadata: { name: 'orchestrator' } },
    });
    await rbac.createClusterRole({ body: { ...clusterRole, metadata: { name } } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name: 'orchestrator', namespace: ns }],
      },
    });
    await rbac.createNamespacedRole({
      namespace: ns,
      body: { ...leaseRole, metadata: { name: leaseRole.metadata!.name, namespace: ns } },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'leader-election' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: leaseRole.metadata!.name! },
        subjects: [{ kind: 'ServiceAccount', name: 'orchestrator', namespace: ns }],
      },
    });
    const asOrchestrator = await kubeConfigAs(admin, ns, 'orchestrator');
    orchestrator = await startOrchestrator(asOrchestrator, [ns], (c) => {
      c.leaderElection.enabled = true;
      c.leaderElection.leaseNamespace = ns;
    });
    const k = new Objects(admin);
    await k.create('RemediationRequest', ns, remediationRequest('least-privilege'));
    await k.waitUntil('RemediationRequest', ns, inPhase('least-privilege', 'Processing'));
    await k.patchStatus('RemediationProcessing', ns, 'least-privilege-processing', {
      phase: 'Completed',
      enrichedData: {},
    });
    await k.waitUntil('AIAnalysis', ns, byName('least-privilege-aianalysis'));
    await k.patchStatus('AIAnalysis', ns, 'least-privilege-aianalysis', {
      phase: 'Ready',
      investigationResult: { recommendations: [{ name: 'a', action: 'x' }] },
    });
    await k.waitUntil('WorkflowExecution', ns, byName('least-privilege-workflow'));
    await k.patchStatus('WorkflowExecution', ns, 'least-privilege-workflow', {
      phase: 'Planned',
      plan: { steps: [{ name: 'a', action: 'x' }] },
    });
    await k.waitUntil('KubernetesExecution', ns, byName('least-privilege-step-a'));
    await k.patchStatus('KubernetesExecution', ns, 'least-privilege-step-a', { phase: 'Completed' });
    const done = await k.waitUntil('RemediationRequest', ns, (items) =>
      inPhase('least-privilege', 'Completed')(items) ? byName('least-privilege')(items) : undefined,
    );
    await k.waitUntil('NotificationRequest', ns, byName(notificationName(done, 'success')));
    const codes = (await orchestrator.metrics.apiRequests.get()).values.map((v) => String(v.labels.code));
    expect(
      codes.filter((c) => c === '401' || c === '403'),
      'no call was refused',
    ).to.deep.equal([]);
  });
});
