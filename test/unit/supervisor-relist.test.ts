// A relist that finds a request's name with a new UID: the old object was deleted and re-created
// while the watch was down, so no 'deleted' event came for the old UID.
import { expect } from 'chai';
import { MemoryCluster } from '../support/memory-cluster.js';
import { request } from '../support/machine-harness.js';
import { fleet, uidOf } from '../support/supervisor-fleet.js';

describe('the supervisor after a relist', function () {
  it("stops the old UID's actor when the name comes back with a new UID", async function () {
    const f = fleet();
    await f.start('rr1', 'rr2');
    const old = f.supervisor.actorOf(uidOf('rr1'));
    expect(old).to.not.equal(undefined);
    const oldWrites = f.cluster('rr1').writes.length;

    const again = request('rr1');
    again.metadata = { ...again.metadata, uid: 'uid-rr1-again' };
    f.clusters.set('uid-rr1-again', new MemoryCluster(again));
    f.supervisor.onRequest('modified', again);
    await f.advance(0);

    expect(f.supervisor.actorOf(uidOf('rr1'))).to.equal(undefined);
    expect(f.supervisor.actorOf('uid-rr1-again')).to.not.equal(undefined);
    expect(f.supervisor.counts.running).to.equal(2);
    expect(f.seen.active.get('Processing')).to.equal(2);
    // The old actor is gone for good: its child's events and timers move nothing.
    f.cluster('rr1').setChildStatus('rr1-processing', { phase: 'Completed' });
    f.supervisor.onChild('modified', 'RemediationProcessing', uidOf('rr1'), 'rr1-processing');
    await f.advance(60 * 60_000);
    expect(f.cluster('rr1').writes).to.have.length(oldWrites);
  });
});
