import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { AuditWrite } from '../../src/testing/audit.js';
import { startControlPlane, type ControlPlane } from '../../src/testing/index.js';
import { bindOrchestratorRole } from '../../src/testing/rbac.js';
import { remediationRequest, targetingData } from '../support/fixtures.js';
import { createNamespace, Objects } from '../support/kube.js';

/** The audit log's writes once `found` holds for them: kube-apiserver may answer a request a moment before its event is in the file. */
async function auditedWrites(
  plane: ControlPlane,
  found: (writes: AuditWrite[]) => boolean,
): Promise<AuditWrite[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const writes = await plane.auditWrites();
    if (found(writes) || Date.now() > deadline) return writes;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a control plane with an audit log and users of its own', function () {
  this.timeout(180_000);
  let plane: ControlPlane;
  let admin: KubeConfig;
  let alice: KubeConfig;
  let ns: string;

  before(async function () {
    if (process.env.KUBECONFIG_TEST) this.skip(); // needs a control plane started here
    plane = await startControlPlane({
      installCrds: true,
      controllerManager: false,
      auditLog: true,
      users: ['alice'],
    });
    admin = plane.kubeConfig;
    ns = await createNamespace(admin, 'audit');
    await bindOrchestratorRole(admin, 'alice', ns);
    alice = new KubeConfig();
    alice.loadFromFile(await plane.writeKubeconfig({ user: 'alice' }));
  });
  after(async function () {
    this.timeout(60_000);
    await plane?.stop();
  });

  it('records each write with its user, and the audit reader returns the writes of a user that did a create', async function () {
    const rr = await new Objects(admin).create('RemediationRequest', ns, remediationRequest('audited'));
    await new Objects(alice).create('RemediationProcessing', ns, {
      metadata: { name: 'audited-processing' },
      spec: {
        remediationRequestRef: { name: 'audited', namespace: ns, uid: rr.metadata.uid },
        targetingData: targetingData(),
      },
    });
    await alice.makeApiClient(CoordinationV1Api).createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: 'alices-lease' }, spec: { holderIdentity: 'alice' } },
    });
    const refused = await new Objects(alice)
      .create('RemediationRequest', ns, remediationRequest('not-allowed'))
      .catch((err: { code?: number }) => err.code);
    expect(refused, 'the orchestrator role cannot create requests').to.equal(403);

    const writes = await auditedWrites(plane, (all) => all.filter((w) => w.user === 'alice').length >= 3);
    const mine = writes
      .filter((w) => w.user === 'alice' && w.namespace === ns)
      .map(({ verb, resource, name, namespace, code, stage }) => ({
        verb,
        resource,
        name,
        namespace,
        code,
        stage,
      }));
    expect(mine).to.deep.equal([
      {
        verb: 'create',
        resource: 'remediationprocessings',
        name: 'audited-processing',
        namespace: ns,
        code: 201,
        stage: 'ResponseComplete',
      },
      {
        verb: 'create',
        resource: 'leases',
        name: 'alices-lease',
        namespace: ns,
        code: 201,
        stage: 'ResponseComplete',
      },
      {
        verb: 'create',
        resource: 'remediationrequests',
        name: '', // refused before its body was read
        namespace: ns,
        code: 403,
        stage: 'ResponseComplete',
      },
    ]);
    const adminsCreate = writes.find((w) => w.resource === 'remediationrequests' && w.name === 'audited');
    expect(adminsCreate?.user).to.equal('admin');
    for (const w of writes.filter((x) => x.user === 'alice'))
      expect(w.receivedAt, w.requestReceivedTimestamp).to.be.within(Date.now() - 120_000, w.completedAt);
  });

  it('restarts etcd with its data, and keeps auditing across an API server restart', async function () {
    const k = new Objects(admin);
    await plane.restartEtcd();
    expect((await k.get('RemediationRequest', ns, 'audited')).metadata.name).to.equal('audited');
    await k.create('RemediationRequest', ns, remediationRequest('after-etcd'));
    await plane.restartApiServer();
    await k.create('RemediationRequest', ns, remediationRequest('after-apiserver'));
    const writes = await auditedWrites(plane, (all) => all.some((w) => w.name === 'after-apiserver'));
    const created = writes.filter(
      (w) => w.verb === 'create' && w.resource === 'remediationrequests' && w.code === 201,
    );
    expect(created.map((w) => w.name)).to.include.members(['audited', 'after-etcd', 'after-apiserver']);
  });
});
