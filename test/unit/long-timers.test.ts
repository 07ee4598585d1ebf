// Timers far beyond Node's setTimeout limit (2^31-1 ms): a 1000h timeout, a 720h retention.
import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { RemediationActor, type ActorHost } from '../../src/actors/actor.js';
import { systemClock, type Clock } from '../../src/util/clock.js';
import { MAX_TIMEOUT_MS, setClampedTimeout } from '../../src/util/timer.js';
import { MemoryCluster } from '../support/memory-cluster.js';
import { T0, flush, request, testSettings } from '../support/machine-harness.js';
import { fleet } from '../support/supervisor-fleet.js';

const HOUR = 3_600_000;

/** `clock`, counting the timers armed on it and the delays asked for. */
function counting(clock: Clock) {
  const delays: number[] = [];
  const counted: Clock = {
    now: () => clock.now(),
    setTimeout: (fn, ms) => {
      delays.push(ms);
      return clock.setTimeout(fn, ms);
    },
    clearTimeout: (id) => clock.clearTimeout(id),
  };
  return { clock: counted, delays };
}

/** Collects the TimeoutOverflowWarnings the process emits while `run` runs. */
async function overflowWarnings(run: () => Promise<void>): Promise<number> {
  let count = 0;
  const listener = (w: Error): void => {
    if (w.name === 'TimeoutOverflowWarning') count++;
  };
  process.on('warning', listener);
  try {
    await run();
    // Warnings are emitted on the next tick.
    await flush();
  } finally {
    process.off('warning', listener);
  }
  return count;
}

const realTime = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('timers beyond 2^31-1 ms', function () {
  it('fire once, at their time, re-armed at the clamp on the way', function () {
    const simulated = new SimulatedClock();
    simulated.set(T0);
    const { clock, delays } = counting(simulated);
    let fired = 0;
    setClampedTimeout(clock, () => fired++, 1000 * HOUR);
    expect(delays).to.deep.equal([MAX_TIMEOUT_MS]);
    simulated.increment(1000 * HOUR - 1);
    expect(fired, '1 ms early').to.equal(0);
    expect(delays.every((d) => d > 0 && d <= MAX_TIMEOUT_MS)).to.equal(true);
    expect(delays).to.have.length(Math.ceil((1000 * HOUR) / MAX_TIMEOUT_MS));
    simulated.increment(1);
    expect(fired).to.equal(1);
    simulated.increment(10_000 * HOUR);
    expect(fired).to.equal(1);
  });

  it('do not fire once cancelled, not even after a re-arm', function () {
    const simulated = new SimulatedClock();
    simulated.set(T0);
    let fired = 0;
    const timer = setClampedTimeout(simulated, () => fired++, 1000 * HOUR);
    simulated.increment(MAX_TIMEOUT_MS + 5);
    timer.cancel();
    simulated.increment(1000 * HOUR);
    expect(fired).to.equal(0);
  });

  it('a request with 1000h timeouts arms one timer and spins no CPU', async function () {
    const { clock, delays } = counting(systemClock);
    const cluster = new MemoryCluster(request('rr1', { timeouts: { global: '1000h', processing: '1000h' } }));
    let views = 0;
    const host: ActorHost = {
      settings: testSettings,
      clock,
      view: () => (views++, cluster.snapshot()),
      applyEffects: cluster.apply,
      retryBackoff: { initialMs: 100, maxMs: 1_000, jitter: 0 },
      logFor: () => ({ debug() {}, info() {}, warn() {}, error() {} }),
      onSettled: () => {},
      onReleased: () => {},
      onCrashed: () => {},
    };
    const actor = new RemediationActor(
      host,
      { namespace: 'ns', name: 'rr1', uid: 'rr-uid' },
      cluster.snapshot(),
    );
    const warnings = await overflowWarnings(async () => {
      try {
        actor.start();
        actor.notify();
        await flush();
        expect(actor.phase).to.equal('Processing');
        const armed = delays.length;
        const seen = views;
        await realTime(200);
        expect(delays.length - armed, 'timers armed while idle').to.equal(0);
        expect(views - seen, 'observations while idle').to.equal(0);
      } finally {
        actor.stop();
      }
    });
    expect(warnings).to.equal(0);
    expect(Math.max(...delays)).to.be.at.most(MAX_TIMEOUT_MS);
  });

  it('a 720h retention arms one timer and spins no CPU', async function () {
    const { clock, delays } = counting(systemClock);
    const f = fleet({ clock, settings: { ...testSettings, retentionMs: 720 * HOUR } });
    const warnings = await overflowWarnings(async () => {
      try {
        await f.start('rr1');
        await f.childStatus('rr1', 'processing', { phase: 'Failed' });
        expect(f.phase('rr1')).to.equal('Failed');
        expect(f.supervisor.counts.retained).to.equal(1);
        const armed = delays.length;
        await realTime(200);
        expect(delays.length - armed, 'timers armed while waiting').to.equal(0);
      } finally {
        f.supervisor.stop();
      }
    });
    expect(warnings).to.equal(0);
    expect(f.deleted).to.have.length(0);
  });
});
