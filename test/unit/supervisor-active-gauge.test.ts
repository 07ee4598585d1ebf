// The active-requests gauge across deletion: released requests leave it, and their echoes do not return.
import { expect } from 'chai';
import { T0 } from '../support/machine-harness.js';
import { fleet } from '../support/supervisor-fleet.js';

describe('the active-requests gauge', function () {
  it('drops a request deleted while active, and does not count the echoes of its deletion', async function () {
    const f = fleet();
    await f.start('rr1');
    expect(f.seen.active.get('Processing')).to.equal(1);
    f.cluster('rr1').patchRequest((rr) => ({
      ...rr,
      metadata: { ...rr.metadata, deletionTimestamp: new Date(T0) },
    }));
    await f.request('modified', 'rr1');
    expect(f.cluster('rr1').rr.metadata?.finalizers).to.deep.equal([]);
    expect(f.supervisor.counts.running).to.equal(0);
    expect(f.seen.active.get('Processing')).to.equal(0);
    // The event of the finalizer removal itself arrives after the actor was released.
    await f.request('modified', 'rr1');
    await f.request('deleted', 'rr1');
    expect(f.seen.active.get('Processing')).to.equal(0);
  });
});
