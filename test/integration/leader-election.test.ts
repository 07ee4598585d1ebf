import { expect } from 'chai';
import { KubeHttp } from '../../src/k8s/kube-http.js';
import { LeaderElector, type LeaderElectorOptions } from '../../src/k8s/leader-election.js';
import { leaseClient, microTime, type Lease } from '../../src/k8s/lease-client.js';
import { systemClock } from '../../src/util/clock.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { createNamespace, deleteNamespace } from '../support/kube.js';

const log = { info: () => {}, warn: () => {} };
const timings = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 250 };

describe('leader election against the API server', function () {
  this.timeout(60_000);
  let ns: string;
  let http: KubeHttp;
  const electors: LeaderElector[] = [];

  before(async function () {
    ns = await createNamespace(controlPlane().kubeConfig, 'lease');
    http = new KubeHttp(controlPlane().kubeConfig);
  });
  afterEach(function () {
    for (const e of electors.splice(0)) e.stop();
  });
  after(async function () {
    await deleteNamespace(controlPlane().kubeConfig, ns);
  });

  function elector(leaseName: string, identity: string) {
    const options: LeaderElectorOptions = { leaseName, leaseNamespace: ns, identity, ...timings };
    const e = new LeaderElector(options, {
      leases: leaseClient(http, ns, leaseName),
      clock: systemClock,
      log,
    });
    const lost: string[] = [];
    e.onLost((why) => lost.push(why));
    electors.push(e);
    return { e, lost };
  }
  const leasePath = (name: string) => `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`;
  const holder = async (name: string) =>
    (await http.request<Lease>('GET', leasePath(name))).spec?.holderIdentity;
  const until = async (check: () => boolean, ms: number, what: string): Promise<void> => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('steps down as soon as the Lease, deleted, is created again by another replica', async function () {
    const a = elector('deleted', 'a');
    expect(await a.e.acquire()).to.equal(true);
    await http.request('DELETE', leasePath('deleted'));
    await http.request('POST', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, {
      body: {
        metadata: { name: 'deleted' },
        spec: { holderIdentity: 'b', leaseDurationSeconds: 3, renewTime: microTime(Date.now()) },
      },
    });
    const took = Date.now();
    await until(() => a.lost.length > 0, 5_000, 'a steps down');
    expect(Date.now() - took).to.be.below(timings.renewDeadlineMs);
    expect(a.lost[0]).to.match(/held by b/);
    expect(a.e.isLeader).to.equal(false);
    expect(await holder('deleted')).to.equal('b');
  });

  it('leads a Lease it created only after the renew deadline', async function () {
    const a = elector('fresh', 'a');
    const started = Date.now();
    expect(await a.e.acquire()).to.equal(true);
    expect(Date.now() - started).to.be.at.least(timings.renewDeadlineMs);
    expect(await holder('fresh')).to.equal('a');
  });

  it('steps down at the next renewal when another replica writes itself into the Lease', async function () {
    const a = elector('taken', 'a');
    expect(await a.e.acquire()).to.equal(true);
    const lease = await http.request<Lease>('GET', leasePath('taken'));
    await http.request('PUT', leasePath('taken'), {
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder' } },
    });
    const took = Date.now();
    await until(() => a.lost.length > 0, 5_000, 'a steps down');
    expect(Date.now() - took).to.be.below(timings.renewDeadlineMs);
    expect(a.lost[0]).to.match(/held by intruder/);
    expect(a.e.isLeader).to.equal(false);
    expect(await holder('taken')).to.equal('intruder');
  });

  it('hands the Lease over on release: the standby leads at once', async function () {
    const a = elector('handover', 'a');
    expect(await a.e.acquire()).to.equal(true);
    const b = elector('handover', 'b');
    let bLeadsAt = 0;
    void b.e.acquire().then(() => (bLeadsAt = Date.now()));
    await new Promise((r) => setTimeout(r, 600));
    const releasedAt = Date.now();
    await a.e.release();
    expect(a.e.isLeader).to.equal(false);
    expect(a.lost).to.deep.equal([]);
    await until(() => bLeadsAt > 0, 10_000, 'b leads');
    expect(bLeadsAt - releasedAt).to.be.below(timings.leaseDurationMs);
    expect(await holder('handover')).to.equal('b');
  });
});
