// Cancellation by annotation and deletion through the finalizer, in every kind of phase.
import { expect } from 'chai';
import { FINALIZER } from '../../src/api/index.js';
import { T0, harness, planned, request, type Harness, type Reachable } from '../support/machine-harness.js';

const cancelledChildren = (h: Harness) =>
  [...h.cluster.children.values()]
    .filter((c) => c.object.spec.cancelRequested === true)
    .map((c) => c.object.metadata.name);

describe('the remediation machine: cancellation', function () {
  const cases: [Reachable, string[]][] = [
    ['Processing', ['rr1-processing']],
    ['Analyzing', ['rr1-aianalysis']],
    ['AwaitingApproval', ['rr1-aianalysis']],
    ['WorkflowPlanning', ['rr1-workflow']],
    ['Executing', ['rr1-step-a']],
  ];
  for (const [phase, busy] of cases) {
    it(`cancels a request in ${phase} on the annotation: Cancelled, no escalation, busy children told to cancel`, async function () {
      const h = harness();
      await h.reach(phase);
      const notes = h.notificationTypes();
      await h.cancel();
      expect(h.status()).to.include({ phase: 'Cancelled', reason: 'Cancelled', success: false });
      expect(h.status().completionTime).to.be.a('string');
      expect(Date.parse(h.status().retentionExpiryTime ?? '')).to.equal(T0 + h.settings.retentionMs);
      expect(h.notificationTypes()).to.deep.equal(notes);
      expect(cancelledChildren(h)).to.deep.equal(busy);
      expect(h.cluster.events.at(-1)).to.include({ type: 'Normal', reason: 'Cancelled' });
    });
  }

  it('tells only unfinished children to cancel: a completed step and the planned workflow are left alone', async function () {
    const h = harness();
    await h.reach('Executing', [{ name: 'a' }, { name: 'b' }]);
    await h.childStatus('rr1-step-a', { phase: 'Completed' });
    await h.cancel();
    expect(cancelledChildren(h)).to.deep.equal(['rr1-step-b']);
    const writes = h.cluster.writes.length;
    await h.observe();
    expect(h.cluster.writes).to.have.length(writes);
  });

  it('cancels a request that carries the annotation from the start, before any child exists', async function () {
    const rr = request();
    rr.metadata = { ...rr.metadata, annotations: { 'remediation.kubernaut.ai/cancel': 'true' } };
    const h = harness(rr);
    await h.settle();
    expect(h.status().phase).to.equal('Cancelled');
    expect(h.cluster.children.size).to.equal(0);
  });

  it('ignores an annotation value other than "true"', async function () {
    const h = harness();
    await h.reach('Processing');
    await h.patchRequest((rr) => ({
      ...rr,
      metadata: { ...rr.metadata, annotations: { 'remediation.kubernaut.ai/cancel': 'false' } },
    }));
    expect(h.status().phase).to.equal('Processing');
  });

  for (const terminal of ['Completed', 'Failed'] as const) {
    it(`changes nothing when the annotation arrives on a ${terminal} request`, async function () {
      const h = harness();
      await h.reach('WorkflowPlanning');
      await h.childStatus('rr1-workflow', terminal === 'Completed' ? planned([]) : { phase: 'Failed' });
      const before = { status: h.status(), writes: [...h.cluster.writes] };
      await h.cancel();
      expect(h.status()).to.deep.equal(before.status);
      expect(h.cluster.writes).to.deep.equal(before.writes);
    });
  }
});

describe('the remediation machine: deletion', function () {
  const released = async (h: Harness) => {
    await h.markDeleted();
    expect(h.region('phase')).to.equal('Released');
    expect(h.cluster.rr.metadata?.finalizers).to.deep.equal([]);
    expect(h.cluster.writes.at(-1)).to.equal('removeFinalizer');
  };

  for (const phase of ['Processing', 'AwaitingApproval', 'Executing'] as const) {
    it(`releases a request deleted in ${phase}: Releasing, the finalizer removed, Released`, async function () {
      const h = harness();
      await h.reach(phase);
      expect(h.cluster.rr.metadata?.finalizers).to.deep.equal([FINALIZER]);
      const children = h.cluster.children.size;
      await released(h);
      expect(h.cluster.children.size).to.equal(children);
      expect(h.actor.getSnapshot().context.releasing).to.equal(true);
    });
  }

  it('releases a terminal request that is deleted before its retention expires', async function () {
    const h = harness();
    await h.reach('Processing');
    await h.childStatus('rr1-processing', { phase: 'Failed' });
    await released(h);
  });

  it('stays Releasing while the finalizer removal fails, then releases after the backoff', async function () {
    const h = harness();
    await h.reach('Processing');
    h.cluster.failNext = 1;
    await h.markDeleted();
    expect(h.region('phase')).to.equal('Releasing');
    expect(h.region('sync')).to.equal('backoff');
    await h.advance(1_000);
    expect(h.region('phase')).to.equal('Released');
  });

  it('releases a new request that is already being deleted without writing anything', async function () {
    const rr = request();
    rr.metadata = { ...rr.metadata, deletionTimestamp: new Date('2026-11-26T09:59:00Z') };
    const h = harness(rr);
    await h.settle();
    expect(h.region('phase')).to.equal('Released');
    expect(h.cluster.writes).to.deep.equal([]);
  });
});
