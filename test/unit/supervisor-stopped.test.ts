// An actor that spent its restart budget says so on its request (a condition and a Warning Event, once),
// stays stopped through its own writes, and is restarted when the request changes.
import { expect } from 'chai';
import { CANCEL_ANNOTATION, FINALIZER, type RemediationRequest } from '../../src/api/index.js';
import { T0 } from '../support/machine-harness.js';
import { fleet, uidOf } from '../support/supervisor-fleet.js';

type Fleet = ReturnType<typeof fleet>;

const stoppedCondition = (rr: RemediationRequest) =>
  rr.status?.conditions?.find((c) => c.type === 'ActorStopped');

/** rr1 in Processing, its machine throwing from now on, through its restarts (maxRestarts 2: 1 s, 2 s). */
async function spentBudget(): Promise<Fleet> {
  const f = fleet();
  await f.start('rr1');
  f.broken.add(uidOf('rr1'));
  await f.request('modified', 'rr1');
  await f.advance(1_000);
  await f.advance(2_000);
  expect(f.lines.at(-1)?.msg).to.equal('actor crashed too often; it stays stopped until the request changes');
  return f;
}

/** The informer reports what `change` did to rr1. */
async function change(f: Fleet, change: (rr: RemediationRequest) => RemediationRequest): Promise<void> {
  f.cluster('rr1').patchRequest(change);
  await f.request('modified', 'rr1');
}

describe('an actor that crashed too often', function () {
  it('sets the condition ActorStopped and records one Warning Event on its request, and counts it', async function () {
    const f = await spentBudget();
    const rr = f.cluster('rr1').rr;
    const condition = stoppedCondition(rr);
    expect(condition).to.deep.include({
      status: 'True',
      reason: 'CrashedTooOften',
      observedGeneration: 1,
      lastTransitionTime: new Date(T0 + 3_000).toISOString(),
    });
    expect(condition?.message).to.include('crashed 3 times (restarted 2 times)');
    expect(condition?.message).to.include('last error: TypeError: ');
    expect(condition?.message).to.include(
      'until its spec changes, it is cancelled (the cancel annotation) or it is deleted',
    );
    expect(rr.status?.phase, 'the rest of the status is kept').to.equal('Processing');
    expect(rr.status?.conditions?.map((c) => c.type)).to.include('Ready');
    const warnings = f.cluster('rr1').events.filter((e) => e.reason === 'ActorStopped');
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.deep.include({ type: 'Warning', notable: true, message: condition?.message });
    expect(f.seen.stopped).to.equal(1);
    expect(f.supervisor.counts.running).to.equal(0);
  });

  it('stays stopped through its own condition write and other status changes', async function () {
    const f = await spentBudget();
    const batches = f.cluster('rr1').batches.length;
    f.broken.clear();
    await f.request('modified', 'rr1');
    await change(f, (rr) => ({ ...rr, status: { ...rr.status, message: 'someone else wrote this' } }));
    await f.advance(60_000);
    expect(f.supervisor.counts.running).to.equal(0);
    expect(f.cluster('rr1').batches).to.have.length(batches);
  });

  it('restarts when the spec changes; the new actor clears the condition and goes on', async function () {
    const f = await spentBudget();
    f.broken.clear();
    await change(f, (rr) => ({
      ...rr,
      metadata: { ...rr.metadata, generation: 2 },
      spec: { ...rr.spec, timeouts: { processing: '20m' } },
    }));
    expect(f.supervisor.counts.running).to.equal(1);
    expect(stoppedCondition(f.cluster('rr1').rr)).to.equal(undefined);
    await f.childStatus('rr1', 'processing', { phase: 'Completed' });
    expect(f.phase('rr1')).to.equal('Analyzing');
  });

  it('restarts when an annotation changes: the cancel annotation still cancels it', async function () {
    const f = await spentBudget();
    f.broken.clear();
    await change(f, (rr) => ({
      ...rr,
      metadata: { ...rr.metadata, annotations: { [CANCEL_ANNOTATION]: 'true' } },
    }));
    expect(f.phase('rr1')).to.equal('Cancelled');
    expect(stoppedCondition(f.cluster('rr1').rr)).to.equal(undefined);
  });

  it('restarts when its deletion starts, so that the finalizer is released', async function () {
    const f = await spentBudget();
    f.broken.clear();
    expect(f.cluster('rr1').rr.metadata?.finalizers).to.deep.equal([FINALIZER]);
    await change(f, (rr) => ({ ...rr, metadata: { ...rr.metadata, deletionTimestamp: new Date(T0) } }));
    expect(f.cluster('rr1').rr.metadata?.finalizers).to.deep.equal([]);
  });

  it('writes the condition and the Event once, however often it gives up again', async function () {
    const f = await spentBudget();
    const statusWrites = () => f.cluster('rr1').writes.filter((w) => w.startsWith('status')).length;
    const written = statusWrites();
    await change(f, (rr) => ({ ...rr, metadata: { ...rr.metadata, generation: 2 } }));
    await f.advance(1_000);
    await f.advance(2_000);
    expect(f.seen.stopped).to.equal(2);
    expect(f.cluster('rr1').events.filter((e) => e.reason === 'ActorStopped')).to.have.length(1);
    expect(statusWrites()).to.equal(written);
  });

  it('retries the condition write with backoff when it fails', async function () {
    const f = fleet();
    await f.start('rr1');
    f.broken.add(uidOf('rr1'));
    await f.request('modified', 'rr1');
    await f.advance(1_000);
    f.cluster('rr1').failNext = 2;
    await f.advance(2_000);
    expect(stoppedCondition(f.cluster('rr1').rr)).to.equal(undefined);
    await f.advance(100);
    expect(stoppedCondition(f.cluster('rr1').rr)).to.equal(undefined);
    await f.advance(200);
    expect(stoppedCondition(f.cluster('rr1').rr)?.status).to.equal('True');
    expect(
      f.lines.filter((l) => l.msg.startsWith('writing the condition ActorStopped failed')),
    ).to.have.length(2);
  });

  it('gives up the condition write when the request is deleted or the supervisor stops', async function () {
    for (const end of ['deleted', 'stop'] as const) {
      const f = fleet();
      await f.start('rr1');
      f.broken.add(uidOf('rr1'));
      await f.request('modified', 'rr1');
      await f.advance(1_000);
      f.cluster('rr1').failNext = 1;
      await f.advance(2_000);
      const batches = f.cluster('rr1').batches.length;
      if (end === 'deleted') await f.request('deleted', 'rr1');
      else f.supervisor.stop();
      await f.advance(60_000);
      expect(f.cluster('rr1').batches, end).to.have.length(batches);
    }
  });
});
