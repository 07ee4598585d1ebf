// The actor runtime (RemediationActor) with a simulated clock, a fake view() and a MemoryCluster.
import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { RemediationActor, type ActorHost, type ActorLog } from '../../src/actors/actor.js';
import type { Observed } from '../../src/actors/observed.js';
import { MemoryCluster } from '../support/memory-cluster.js';
import { MINUTE, T0, flush, planned, ready, request, testSettings } from '../support/machine-harness.js';

interface RuntimeOptions {
  view?: (cluster: MemoryCluster) => Observed | undefined;
  cluster?: MemoryCluster;
  now?: number;
}

function runtime(options: RuntimeOptions = {}) {
  const cluster = options.cluster ?? new MemoryCluster(request());
  const clock = new SimulatedClock();
  clock.set(options.now ?? T0);
  const calls = {
    views: 0,
    settled: [] as string[],
    released: [] as string[],
    crashed: [] as unknown[],
    mailbox: [] as number[],
    transitions: [] as string[],
    warnings: [] as string[],
    refs: [] as string[],
  };
  const log: ActorLog = {
    debug: () => {},
    info: () => {},
    warn: (_o, msg) => calls.warnings.push(msg),
    error: () => {},
  };
  const host: ActorHost = {
    settings: testSettings,
    clock,
    view: (ref) => {
      calls.views++;
      calls.refs.push(ref.uid);
      return options.view ? options.view(cluster) : cluster.snapshot();
    },
    applyEffects: cluster.apply,
    retryBackoff: { initialMs: 100, maxMs: 1_000, jitter: 0 },
    logFor: () => log,
    observer: {
      mailbox: (d) => calls.mailbox.push(d),
      transition: (from, to, seconds, reason) =>
        calls.transitions.push(`${from ?? 'new'}->${to} ${seconds ?? '-'}s ${reason ?? ''}`.trim()),
    },
    onSettled: (uid) => calls.settled.push(uid),
    onReleased: (uid) => calls.released.push(uid),
    onCrashed: (_uid, err) => calls.crashed.push(err),
  };
  const actor = new RemediationActor(
    host,
    { namespace: 'ns', name: 'rr1', uid: 'rr-uid' },
    cluster.snapshot(),
  );
  const r = {
    cluster,
    clock,
    actor,
    calls,
    async notify(deleted?: string): Promise<void> {
      actor.notify(deleted);
      await flush();
    },
    async childStatus(name: string, status: Record<string, unknown>): Promise<void> {
      cluster.setChildStatus(name, status);
      await r.notify();
    },
    /** The actor keeps its phase until `ms` from now, 1 ms before included; its timer times it out exactly then. */
    async timesOutIn(ms: number): Promise<void> {
      const phase = actor.phase;
      clock.increment(ms - 1);
      await flush();
      expect(actor.phase, '1 ms before the deadline').to.equal(phase);
      clock.increment(1);
      await flush();
      expect(actor.phase).to.equal('TimedOut');
    },
    /** Starts the actor and lets it reach Processing. */
    async started(): Promise<void> {
      actor.start();
      await r.notify();
      expect(actor.phase).to.equal('Processing');
    },
  };
  return r;
}

describe('the actor runtime (RemediationActor)', function () {
  it('coalesces many notify() calls into one observation', async function () {
    const r = runtime();
    await r.started();
    const views = r.calls.views;
    for (let i = 0; i < 20; i++) r.actor.notify();
    expect(r.calls.views).to.equal(views);
    await flush();
    expect(r.calls.views).to.equal(views + 1);
    expect(r.calls.mailbox.reduce((a, b) => a + b, 0)).to.equal(0);
    expect(r.calls.mailbox.slice(-2)).to.deep.equal([1, -1]);
  });

  it('asks the shared host for the view of its own request', async function () {
    const r = runtime();
    await r.started();
    await r.notify();
    expect(r.calls.refs.length).to.be.greaterThan(0);
    expect(new Set(r.calls.refs)).to.deep.equal(new Set(['rr-uid']));
  });

  it('does not keep the view it started from once the machine has its first context', async function () {
    const r = runtime();
    const options = (r.actor as unknown as { actor: { options: { input: { observed?: unknown } } } }).actor
      .options;
    expect(options.input.observed).to.equal(undefined);
    await r.started();
    expect(r.actor.context.observed.rr.metadata?.name).to.equal('rr1');
  });

  it('passes the names of deleted children with the next observation', async function () {
    const r = runtime();
    await r.started();
    r.cluster.deleteChild('rr1-processing');
    r.actor.notify('rr1-processing');
    r.actor.notify();
    await flush();
    expect(r.actor.context.confirmedAbsent).to.deep.equal(['rr1-processing']);
    expect(r.actor.phase).to.equal('Failed');
    expect(r.cluster.rr.status?.reason).to.equal('ChildDeleted');
  });

  it('reports each phase change to the observer with the seconds spent in the previous phase', async function () {
    const r = runtime();
    await r.started();
    r.clock.increment(90_000);
    await r.childStatus('rr1-processing', { phase: 'Completed' });
    expect(r.calls.transitions).to.deep.equal([
      'new->Pending -s',
      'Pending->Initializing 0s',
      'Initializing->Processing 0s',
      'Processing->Analyzing 90s',
    ]);
  });

  it('fires a tick from the deadline timer exactly at the deadline, without any notify()', async function () {
    const r = runtime();
    await r.started();
    const views = r.calls.views;
    await r.timesOutIn(15 * MINUTE);
    expect(r.cluster.rr.status).to.include({
      phase: 'TimedOut',
      reason: 'PhaseTimeout',
      timeoutPhase: 'Processing',
    });
    expect(r.calls.views).to.equal(views);
  });

  it('moves the deadline timer when the phase changes', async function () {
    const r = runtime();
    await r.started();
    r.clock.increment(10 * MINUTE);
    await r.childStatus('rr1-processing', { phase: 'Completed' });
    await r.timesOutIn(15 * MINUTE);
    expect(r.cluster.rr.status?.timeoutPhase).to.equal('Analyzing');
  });

  it('re-arms the deadline timer when spec.timeouts changes', async function () {
    const r = runtime();
    await r.started();
    r.cluster.patchRequest((rr) => ({ ...rr, spec: { ...rr.spec, timeouts: { processing: '20m' } } }));
    await r.notify();
    await r.timesOutIn(20 * MINUTE);
    expect(r.cluster.rr.status).to.include({
      phase: 'TimedOut',
      timeoutPhase: 'Processing',
      message: 'Phase Processing exceeded its timeout of 20m.',
    });
  });

  it('wakes by itself to write step progress that waited for the progress interval', async function () {
    const r = runtime();
    await r.started();
    await r.childStatus('rr1-processing', { phase: 'Completed' });
    await r.childStatus('rr1-aianalysis', ready());
    await r.childStatus('rr1-workflow', planned([{ name: 'a' }, { name: 'b' }]));
    await r.childStatus('rr1-step-a', { phase: 'Completed' });
    expect(r.cluster.names('KubernetesExecution')).to.deep.equal(['rr1-step-a', 'rr1-step-b']);
    expect(r.cluster.rr.status?.stepsCompleted).to.equal(0);
    r.clock.increment(testSettings.progressIntervalMs);
    await flush();
    expect(r.cluster.rr.status).to.include({ phase: 'Executing', stepsCompleted: 1 });
  });

  it('calls onSettled once when the request is terminal and fully written', async function () {
    const r = runtime();
    await r.started();
    await r.childStatus('rr1-processing', { phase: 'Failed' });
    expect(r.calls.settled).to.deep.equal(['rr-uid']);
    expect(r.cluster.names('NotificationRequest')).to.deep.equal(['rr1-escalation-rr-uid']);
    await r.notify();
    await r.notify();
    expect(r.calls.settled).to.deep.equal(['rr-uid']);
  });

  it('does not report a request settled while its last writes are still failing', async function () {
    const r = runtime();
    await r.started();
    r.cluster.failNext = 1;
    await r.childStatus('rr1-processing', { phase: 'Failed' });
    expect(r.calls.settled).to.deep.equal([]);
    expect(r.calls.warnings).to.include('write failed; retrying with backoff');
    r.clock.increment(99);
    await flush();
    expect(r.calls.settled).to.deep.equal([]);
    r.clock.increment(1);
    await flush();
    expect(r.calls.settled).to.deep.equal(['rr-uid']);
  });

  it('keeps a terminal request alive while its notification waits for the next attempt', async function () {
    const r = runtime();
    await r.started();
    r.cluster.refuse('NotificationRequest', 'FORBIDDEN');
    await r.childStatus('rr1-processing', { phase: 'Failed' });
    expect(r.cluster.rr.status?.phase, 'the phase is written at once').to.equal('Failed');
    expect(r.calls.settled).to.deep.equal([]);
    r.cluster.refuse('NotificationRequest', undefined);
    r.clock.increment(100);
    await flush();
    expect(r.cluster.names('NotificationRequest')).to.deep.equal(['rr1-escalation-rr-uid']);
    expect(r.calls.settled).to.deep.equal(['rr-uid']);
  });

  it('calls onReleased after the finalizer is removed, and stops', async function () {
    const r = runtime();
    await r.started();
    r.cluster.patchRequest((rr) => ({
      ...rr,
      metadata: { ...rr.metadata, deletionTimestamp: new Date(T0) },
    }));
    await r.notify();
    expect(r.cluster.rr.metadata?.finalizers).to.deep.equal([]);
    expect(r.calls.released).to.deep.equal(['rr-uid']);
    expect(r.calls.settled).to.deep.equal([]);
    const views = r.calls.views;
    await r.notify();
    expect(r.calls.views).to.equal(views);
  });

  it('sends nothing when the view no longer has the request', async function () {
    let gone = false;
    const r = runtime({ view: (c) => (gone ? undefined : c.snapshot()) });
    await r.started();
    gone = true;
    const writes = r.cluster.writes.length;
    await r.notify();
    expect(r.cluster.writes).to.have.length(writes);
    expect(r.actor.phase).to.equal('Processing');
  });

  it('does not run the machine for a view that brings nothing new (the echo of its own write)', async function () {
    const r = runtime();
    await r.started();
    const before = r.actor.context;
    r.clock.increment(5_000);
    await r.notify();
    expect(r.actor.context, 'an unchanged view is not delivered').to.equal(before);
    await r.childStatus('rr1-processing', { phase: 'Enriching' });
    expect(r.actor.context.now, 'a changed child is').to.equal(r.clock.now());
  });

  it('calls onCrashed when the machine throws, and ignores notify() afterwards', async function () {
    let broken = false;
    const r = runtime({
      view: (c) => (broken ? ({ ...c.snapshot(), executions: null } as unknown as Observed) : c.snapshot()),
    });
    await r.started();
    broken = true;
    await r.notify();
    expect(r.calls.crashed).to.have.length(1);
    expect(r.calls.crashed[0]).to.be.instanceOf(TypeError);
    const views = r.calls.views;
    await r.notify();
    expect(r.calls.views).to.equal(views);
  });

  it('stop() cancels the deadline timer and drops a pending notification', async function () {
    const r = runtime();
    await r.started();
    r.actor.notify();
    r.actor.stop();
    r.actor.stop();
    await flush();
    r.clock.increment(60 * MINUTE);
    await flush();
    expect(r.actor.phase).to.equal('Processing');
    expect(r.calls.mailbox.reduce((a, b) => a + b, 0)).to.equal(0);
  });

  it('restores from a status written earlier: no children re-created, the deadline kept from phaseStartTime', async function () {
    const first = runtime();
    await first.started();
    await first.childStatus('rr1-processing', { phase: 'Completed' });
    await first.childStatus('rr1-aianalysis', ready());
    await first.childStatus('rr1-workflow', planned([{ name: 'a' }]));
    first.actor.stop();
    const r = runtime({ cluster: first.cluster.clone(), now: T0 + 20 * MINUTE });
    r.actor.start();
    await r.notify();
    expect(r.actor.phase).to.equal('Executing');
    expect(r.cluster.writes).to.deep.equal([]);
    await r.timesOutIn(10 * MINUTE);
    expect(r.cluster.rr.status).to.include({ phase: 'TimedOut', timeoutPhase: 'Executing' });
  });
});
