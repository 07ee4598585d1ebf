// The supervisor against a scripted event stream (see test/support/supervisor-fleet.ts for the fakes).
import { expect } from 'chai';
import { MINUTE, T0, flush, request, testSettings } from '../support/machine-harness.js';
import { fleet, uidOf } from '../support/supervisor-fleet.js';

const DAY = testSettings.retentionMs;

/** Requests in Processing; the first one, rr1, then fails (terminal) and is passivated. */
async function withFinished(...others: string[]) {
  const f = fleet();
  await f.start('rr1', ...others);
  await f.childStatus('rr1', 'processing', { phase: 'Failed' });
  expect(f.phase('rr1')).to.equal('Failed');
  return f;
}

describe('the supervisor', function () {
  it('spawns one actor per request UID and drives each to Processing', async function () {
    const f = fleet();
    await f.start('rr1', 'rr2');
    expect(f.supervisor.counts).to.deep.equal({ running: 2, passivated: 0, retained: 0 });
    expect([f.phase('rr1'), f.phase('rr2')]).to.deep.equal(['Processing', 'Processing']);
    const actor = f.supervisor.actorOf(uidOf('rr1'));
    await f.request('modified', 'rr1');
    f.create('rr3');
    await f.request('added', 'rr3');
    expect(f.supervisor.actorOf(uidOf('rr1'))).to.equal(actor);
    expect(f.supervisor.counts.running).to.equal(3);
    expect(f.seen.active.get('Processing')).to.equal(3);
    expect(f.seen.actors.at(-1)).to.deep.equal([3, 0]);
  });

  it('routes a child event to the actor of its owner only', async function () {
    const f = fleet();
    await f.start('rr1', 'rr2');
    f.cluster('rr2').setChildStatus('rr2-processing', { phase: 'Completed' });
    await f.childStatus('rr1', 'processing', { phase: 'Completed' });
    expect(f.phase('rr1')).to.equal('Analyzing');
    expect(f.phase('rr2')).to.equal('Processing');
  });

  it('ignores child events for unknown or missing owners, and requests without a uid', async function () {
    const f = fleet();
    await f.start('rr1');
    const writes = f.cluster('rr1').writes.length;
    f.supervisor.onChild('modified', 'RemediationProcessing', 'nobody', 'x-processing');
    f.supervisor.onChild('deleted', 'RemediationProcessing', undefined, 'rr1-processing');
    f.supervisor.onRequest('added', { ...request('anon'), metadata: { name: 'anon' } });
    await flush();
    expect(f.cluster('rr1').writes).to.have.length(writes);
    expect(f.supervisor.counts.running).to.equal(1);
  });

  it('tells the owner that a child was deleted, so the request fails with ChildDeleted', async function () {
    const f = fleet();
    await f.start('rr1');
    f.cluster('rr1').deleteChild('rr1-processing');
    f.supervisor.onChild('deleted', 'RemediationProcessing', uidOf('rr1'), 'rr1-processing');
    await flush();
    expect(f.cluster('rr1').rr.status).to.include({ phase: 'Failed', reason: 'ChildDeleted' });
  });

  it('stops and forgets the actor when the request is deleted', async function () {
    const f = fleet();
    await f.start('rr1', 'rr2');
    await f.request('deleted', 'rr1');
    expect(f.supervisor.actorOf(uidOf('rr1'))).to.equal(undefined);
    expect(f.supervisor.counts).to.deep.equal({ running: 1, passivated: 0, retained: 0 });
    expect(f.seen.active.get('Processing')).to.equal(1);
  });

  it('spawns nothing for a request the view does not have', async function () {
    const f = fleet();
    await f.start();
    f.supervisor.onRequest('added', {
      ...request('ghost'),
      metadata: { name: 'ghost', namespace: 'ns', uid: 'uid-ghost' },
    });
    expect(f.supervisor.counts.running).to.equal(0);
  });

  describe('passivation and retention', function () {
    it('passivates a settled (terminal) request and schedules its retention', async function () {
      const f = await withFinished('rr2');
      expect(f.supervisor.actorOf(uidOf('rr1'))).to.equal(undefined);
      expect(f.supervisor.counts).to.deep.equal({ running: 1, passivated: 1, retained: 1 });
      expect(f.seen.active.get('Processing')).to.equal(1);
    });

    it('spawns nothing for late events of a passivated request (same or older resourceVersion, or still terminal)', async function () {
      const f = await withFinished('rr2');
      const rr = f.cluster('rr1').rr;
      const rv = Number(rr.metadata?.resourceVersion);
      for (const resourceVersion of [String(rv), String(rv - 3), String(rv + 5)]) {
        f.supervisor.onRequest('modified', { ...rr, metadata: { ...rr.metadata, resourceVersion } });
      }
      await flush();
      expect(f.supervisor.counts).to.deep.equal({ running: 1, passivated: 1, retained: 1 });
      expect(f.cluster('rr1').writes.at(-1)).to.equal('status Failed');
    });

    it('spawns again for a passivated request that is being deleted, and releases it', async function () {
      const f = await withFinished();
      f.cluster('rr1').patchRequest((rr) => ({
        ...rr,
        metadata: { ...rr.metadata, deletionTimestamp: new Date(T0) },
      }));
      await f.request('modified', 'rr1');
      expect(f.cluster('rr1').rr.metadata?.finalizers).to.deep.equal([]);
      expect(f.supervisor.counts).to.deep.equal({ running: 0, passivated: 0, retained: 0 });
      expect(f.supervisor.actorOf(uidOf('rr1'))).to.equal(undefined);
      const writes = [...f.cluster('rr1').writes];
      await f.request('modified', 'rr1');
      expect(f.cluster('rr1').writes).to.deep.equal(writes);
      expect(f.supervisor.counts.running).to.equal(0);
      await f.advance(DAY);
      expect(f.deleted).to.deep.equal([]);
    });

    it('deletes a finished request exactly at its retentionExpiryTime', async function () {
      const f = await withFinished();
      const expiry = Date.parse(f.cluster('rr1').rr.status?.retentionExpiryTime ?? '');
      expect(expiry).to.equal(T0 + DAY);
      await f.advance(expiry - f.clock.now() - 1);
      expect(f.deleted).to.deep.equal([]);
      await f.advance(1);
      expect(f.deleted).to.deep.equal([{ namespace: 'ns', name: 'rr1', uid: uidOf('rr1') }]);
      expect(f.supervisor.counts.retained).to.equal(0);
    });

    it('deletes several finished requests in the order their retention expires', async function () {
      const f = await withFinished('rr2');
      await f.advance(MINUTE);
      await f.childStatus('rr2', 'processing', { phase: 'Failed' });
      await f.advance(DAY - MINUTE);
      expect(f.deleted.map((r) => r.name)).to.deep.equal(['rr1']);
      await f.advance(MINUTE);
      expect(f.deleted.map((r) => r.name)).to.deep.equal(['rr1', 'rr2']);
    });

    it('retries a failed deletion after a backoff', async function () {
      const f = await withFinished();
      f.failDeletes(1);
      await f.advance(DAY);
      expect(f.deleted).to.have.length(1);
      expect(f.lines.map((l) => l.msg)).to.include('deleting an expired request failed; retrying later');
      await f.advance(800);
      expect(f.deleted.map((r) => r.name)).to.deep.equal(['rr1', 'rr1']);
      expect(f.clusters.has(uidOf('rr1'))).to.equal(false);
    });

    it('deletes at once a finished request found at startup whose retention already expired', async function () {
      const first = await withFinished();
      first.supervisor.stop();
      const f = fleet();
      f.clusters.set(uidOf('rr1'), first.cluster('rr1').clone());
      f.clock.set(T0 + 2 * DAY);
      f.supervisor.start([f.cluster('rr1').rr]);
      await flush();
      await f.advance(0);
      expect(f.deleted.map((r) => r.name)).to.deep.equal(['rr1']);
      expect(f.cluster('rr1')).to.equal(undefined);
    });

    it('does not delete a request whose actor was forgotten before its retention expired', async function () {
      const f = await withFinished();
      await f.request('deleted', 'rr1');
      await f.advance(DAY);
      expect(f.deleted).to.deep.equal([]);
      expect(f.supervisor.counts).to.deep.equal({ running: 0, passivated: 0, retained: 0 });
    });
  });

  describe('crashes', function () {
    it('restarts a crashed actor from the caches after the restart backoff', async function () {
      const f = fleet();
      await f.start('rr1');
      f.broken.add(uidOf('rr1'));
      await f.request('modified', 'rr1');
      expect(f.supervisor.actorOf(uidOf('rr1'))).to.equal(undefined);
      expect(f.seen.restarted).to.equal(1);
      expect(f.lines.at(-1)).to.deep.include({
        level: 'error',
        msg: 'actor crashed; rebuilding it from the caches',
      });
      expect(f.lines.at(-1)?.bindings).to.deep.equal({ namespace: 'ns', name: 'rr1', uid: uidOf('rr1') });
      f.broken.clear();
      await f.request('modified', 'rr1');
      expect(f.supervisor.counts.running).to.equal(0);
      await f.advance(999);
      expect(f.supervisor.counts.running).to.equal(0);
      await f.advance(1);
      expect(f.supervisor.counts.running).to.equal(1);
      await f.childStatus('rr1', 'processing', { phase: 'Completed' });
      expect(f.phase('rr1')).to.equal('Analyzing');
    });

    it('gives up after maxRestarts, doubling the delay, until the request changes', async function () {
      const f = fleet();
      await f.start('rr1');
      f.broken.add(uidOf('rr1'));
      await f.request('modified', 'rr1');
      await f.advance(1_000);
      expect(f.seen.restarted).to.equal(2);
      await f.advance(1_999);
      expect(f.lines.filter((l) => l.level === 'error')).to.have.length(2);
      await f.advance(1);
      expect(f.seen.restarted).to.equal(2);
      expect(f.lines.at(-1)?.msg).to.equal(
        'actor crashed too often; it stays stopped until the request changes',
      );
      await f.advance(5 * MINUTE);
      expect(f.supervisor.counts.running).to.equal(0);
      f.broken.clear();
      await f.request('modified', 'rr1');
      expect(f.supervisor.counts.running, 'a change of status only').to.equal(0);
      f.cluster('rr1').patchRequest((rr) => ({ ...rr, metadata: { ...rr.metadata, generation: 2 } }));
      await f.request('modified', 'rr1');
      expect(f.supervisor.counts.running).to.equal(1);
    });

    it('cancels a pending restart when the request is deleted', async function () {
      const f = fleet();
      await f.start('rr1');
      f.broken.add(uidOf('rr1'));
      await f.request('modified', 'rr1');
      f.broken.clear();
      await f.request('deleted', 'rr1');
      await f.advance(10_000);
      expect(f.supervisor.counts.running).to.equal(0);
    });
  });

  it('stop() stops every actor and timer, and ignores events afterwards', async function () {
    const f = await withFinished('rr2');
    f.create('rr3');
    f.broken.add(uidOf('rr3'));
    await f.request('added', 'rr3');
    f.supervisor.stop();
    expect(f.supervisor.counts.running).to.equal(0);
    const writes = f.cluster('rr2').writes.length;
    await f.advance(2 * DAY);
    expect(f.deleted).to.deep.equal([]);
    expect(f.supervisor.counts.running).to.equal(0);
    f.cluster('rr2').setChildStatus('rr2-processing', { phase: 'Completed' });
    await f.request('modified', 'rr2');
    f.supervisor.onChild('modified', 'RemediationProcessing', uidOf('rr2'), 'rr2-processing');
    await flush();
    expect(f.cluster('rr2').writes).to.have.length(writes);
    expect(f.seen.actors.at(-1)).to.deep.equal([0, 1]);
  });
});
