import { expect } from 'chai';
import { LeaderElector, type LeaderElectorOptions } from '../../src/k8s/leader-election.js';
import type { Lease, LeaseClient, LeaseSpec } from '../../src/k8s/lease-client.js';
import type { Clock } from '../../src/util/clock.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 30; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A monotonic clock whose time moves only when told: `advance` runs the timers due, `pause` does not. */
class FakeClock implements Clock {
  private time = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now = (): number => this.time;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.next++;
    this.timers.set(id, { at: this.time + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown): void => void this.timers.delete(id as number);
  /** Time passes while the process is stopped: no timer runs. */
  pause(ms: number): void {
    this.time += ms;
  }
  async advance(ms: number, step = 50): Promise<void> {
    const end = this.time + ms;
    while (this.time < end) {
      this.time = Math.min(end, this.time + step);
      await this.runDue();
    }
  }
  async runDue(): Promise<void> {
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= this.time).sort((a, b) => a[1].at - b[1].at);
      if (!due.length) return;
      const [id, t] = due[0]!;
      this.timers.delete(id);
      t.fn();
      await flush();
    }
  }
}

/** One Lease in memory with resourceVersions, the writes each identity sent, and calls that can hang. */
class FakeLeases {
  lease: Lease | undefined;
  private rv = 0;
  writes: { by: string; verb: string }[] = [];
  hang = false;
  hung: AbortSignal[] = [];
  /** Called when a hanging call is let go: it answers late, as a paused request would. */
  private late: (() => void)[] = [];

  clientFor(identity: string): LeaseClient {
    const call = <T>(signal: AbortSignal, answer: () => T): Promise<T> => {
      if (!this.hang) return Promise.resolve().then(answer);
      this.hung.push(signal);
      return new Promise<T>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        this.late.push(() => {
          try {
            resolve(answer());
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      });
    };
    return {
      get: (signal) => call(signal, () => (this.lease ? structuredClone(this.lease) : undefined)),
      create: (spec, signal) =>
        call(signal, () => {
          this.writes.push({ by: identity, verb: 'create' });
          if (this.lease) throw Object.assign(new Error('exists'), { code: 409 });
          return this.store(spec);
        }),
      replace: (lease, signal) =>
        call(signal, () => {
          this.writes.push({ by: identity, verb: 'replace' });
          if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion)
            throw Object.assign(new Error('conflict'), { code: 409 });
          return this.store(lease.spec ?? {});
        }),
    };
  }

  /** Another replica writes the Lease directly. */
  store(spec: LeaseSpec): Lease {
    this.lease = {
      metadata: { name: 'lease', namespace: 'ns', resourceVersion: String(++this.rv) },
      spec: { ...spec },
    };
    return structuredClone(this.lease);
  }

  get holder(): string | undefined {
    return this.lease?.spec?.holderIdentity;
  }

  answerLate(): void {
    this.hang = false;
    for (const answer of this.late.splice(0)) answer();
  }
}

const options = (identity: string): LeaderElectorOptions => ({
  leaseName: 'lease',
  leaseNamespace: 'ns',
  identity,
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
});
const log = { info: () => {}, warn: () => {} };

function elector(leases: FakeLeases, clock: FakeClock, identity = 'a') {
  const e = new LeaderElector(options(identity), { leases: leases.clientFor(identity), clock, log });
  const lost: string[] = [];
  e.onLost((why) => lost.push(why));
  return { e, lost };
}

/** Starts acquire() and lets the fake time run until it resolves. */
async function lead(e: LeaderElector, clock: FakeClock): Promise<void> {
  let done: boolean | undefined;
  void e.acquire().then((v) => (done = v));
  for (let i = 0; i < 400 && done === undefined; i++) await clock.advance(100);
  expect(done).to.equal(true);
}

describe('leader election', function () {
  it('takes over an expired Lease only after the lease duration, and leads at once', async function () {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    leases.store({ holderIdentity: 'gone', leaseDurationSeconds: 15, renewTime: 'x' });
    const { e } = elector(leases, clock);
    let done = false;
    void e.acquire().then(() => (done = true));
    await clock.advance(14_000);
    expect(done).to.equal(false);
    await clock.advance(4_000);
    expect(done).to.equal(true);
    expect(e.isLeader).to.equal(true);
    expect(leases.holder).to.equal('a');
    expect(leases.lease?.spec?.leaseTransitions).to.equal(1);
  });

  it('after creating the Lease, writes only once a leader of a deleted Lease must have stopped', async function () {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const { e } = elector(leases, clock);
    let done = false;
    void e.acquire().then(() => (done = true));
    await clock.advance(100);
    expect(leases.holder).to.equal('a');
    expect(e.isLeader).to.equal(false);
    await clock.advance(9_000);
    expect(done).to.equal(false);
    expect(e.isLeader).to.equal(false);
    await clock.advance(1_500);
    expect(done).to.equal(true);
    expect(e.isLeader).to.equal(true);
  });

  it('after creating the Lease, counts the wait from the answer, not from the read before it', async function () {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const { e } = elector(leases, clock);
    let done = false;
    leases.hang = true;
    void e.acquire().then(() => (done = true));
    await clock.advance(3_000);
    leases.answerLate();
    await clock.advance(50);
    expect(leases.holder).to.equal('a');
    await clock.advance(9_500);
    expect(done).to.equal(false);
    expect(e.isLeader).to.equal(false);
    await clock.advance(1_000);
    expect(done).to.equal(true);
    expect(e.isLeader).to.equal(true);
  });

  it('keeps leading while it renews', async function () {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const { e, lost } = elector(leases, clock);
    await lead(e, clock);
    await clock.advance(60_000);
    expect(e.isLeader).to.equal(true);
    expect(lost).to.deep.equal([]);
    e.stop();
  });

  it('steps down at the first renewal that sees another holder (the Lease deleted and re-created)', async function () {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const { e, lost } = elector(leases, clock);
    await lead(e, clock);
    leases.lease = undefined;
    leases.store({ holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: 'y' });
    const writes = leases.writes.length;
    await clock.advance(2_100);
    expect(lost).to.have.length(1);
    expect(lost[0]).to.match(/held by b/);
    expect(e.isLeader).to.equal(false);
    expect(leases.writes.slice(writes)).to.deep.equal([]);
    await clock.advance(30_000);
    expect(leases.holder).to.equal('b');
  });

  it('steps down when a renewal conflicts with a takeover', async function () {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const { e, lost } = elector(leases, clock);
    await lead(e, clock);
    const client = leases.clientFor('a');
    const realGet = (signal: AbortSignal) => client.get(signal);
    // The takeover lands between our read and our update.
    const wrapped: LeaseClient = {
      ...client,
      get: async (signal) => {
        const read = await realGet(signal);
        if (read?.spec?.holderIdentity === 'a' && !lost.length)
          leases.store({ ...read.spec, holderIdentity: 'b' });
        return read;
      },
    };
    (e as unknown as { leases: LeaseClient }).leases = wrapped;
    await clock.advance(2_100);
    expect(lost).to.have.length(1);
    expect(e.isLeader).to.equal(false);
  });

  it('closes the write gate at the renew deadline on its own clock, before any timer has run', async function () {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const { e } = elector(leases, clock);
    await lead(e, clock);
    expect(e.isLeader).to.equal(true);
    clock.pause(10_000);
    expect(e.isLeader).to.equal(false);
  });

  it('gives up a renewal that hangs at the renew deadline, aborts it and says so', async function () {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const { e, lost } = elector(leases, clock);
    await lead(e, clock);
    // The last successful renewal began at most one retry period ago.
    await clock.advance(2_000);
    const renewedAt = clock.now();
    leases.hang = true;
    await clock.advance(7_500);
    expect(e.isLeader).to.equal(true);
    expect(lost).to.deep.equal([]);
    await clock.advance(2_600);
    expect(e.isLeader).to.equal(false);
    expect(lost).to.have.length(1);
    expect(clock.now() - renewedAt).to.be.below(options('a').leaseDurationMs);
    expect(leases.hung.length).to.be.above(0);
    expect(leases.hung.every((s) => s.aborted)).to.equal(true);
    const writes = leases.writes.length;
    leases.answerLate();
    await clock.advance(20_000);
    expect(leases.writes.length).to.equal(writes);
  });

  it('on release, gives up the renewal in flight so it cannot take the Lease back', async function () {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const { e, lost } = elector(leases, clock);
    await lead(e, clock);
    leases.hang = true;
    await clock.advance(2_100);
    expect(leases.hung).to.have.length(1);
    const released = e.release();
    leases.answerLate();
    await clock.advance(100);
    await released;
    expect(leases.hung[0]!.aborted).to.equal(true);
    expect(leases.holder).to.equal('');
    await clock.advance(30_000);
    expect(leases.holder).to.equal('');
    expect(e.isLeader).to.equal(false);
    expect(lost).to.deep.equal([]);
  });

  it('writes nothing on release once its renew deadline has passed', async function () {
    const clock = new FakeClock();
    const leases = new FakeLeases();
    const { e } = elector(leases, clock);
    await lead(e, clock);
    const writes = leases.writes.length;
    clock.pause(12_000);
    await e.release();
    expect(leases.writes.length).to.equal(writes);
  });
});
