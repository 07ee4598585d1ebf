// Leader election on a coordination.k8s.io Lease, with client-go's semantics: optimistic updates with
// the Lease's resourceVersion; a Lease is expired when its record has not changed for leaseDuration as
// measured on *our* clock (no trust in other nodes' clocks); the leader renews every retryPeriod.
//
// Fencing. `isLeader` is the gate every write passes (ApiWriter's fence). It is computed, not a flag:
// true only while less than renewDeadline has passed, on our own monotonic clock, since the start of
// our last successful renewal. Another replica counts leaseDuration (> renewDeadline) from when it saw
// that renewal, so it cannot take over while our gate is open, even when this process was paused and
// its timers have not run yet. Each call on the Lease is given up at the renew deadline.
//
// Stepping down. A leader that sees another holder in the Lease loses leadership at once. A replica
// that *creates* the Lease cannot know whether a leader of a deleted Lease still runs, so it leads
// only after renewDeadline: by then that leader's own gate has closed.
import type { Clock } from '../util/clock.js';
import { httpStatusOf } from './errors.js';
import { microTime, type Lease, type LeaseClient } from './lease-client.js';

export interface LeaderElectorOptions {
  /** The coordination.k8s.io Lease held by the leader. */
  leaseName: string;
  leaseNamespace: string;
  /** Written into the Lease as its holder; must differ between replicas. */
  identity: string;
  /** How long a Lease holds without renewal. */
  leaseDurationMs: number;
  /** The leader gives up if it could not renew for this long; below leaseDurationMs. */
  renewDeadlineMs: number;
  /** The wait between two attempts to acquire or renew. */
  retryPeriodMs: number;
}

export interface LeaderElectorDeps {
  leases: LeaseClient;
  /** Timers, and `now()` from a monotonic source (performance.now in production). */
  clock: Clock;
  /** Wall-clock milliseconds, written into the Lease's timestamps. */
  wallNow?: () => number;
  log: Log;
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

type Attempt = 'acquired' | 'held' | 'failed';

class StepDown extends Error {}

export class LeaderElector {
  private readonly leases: LeaseClient;
  private readonly clock: Clock;
  private readonly wallNow: () => number;
  private readonly log: Log;
  private observedRecord = '';
  private observedAt = 0;
  private leading = false;
  /** Monotonic start of the last successful acquire or renew. */
  private renewedAt = Number.NEGATIVE_INFINITY;
  /** Writes wait until then after this replica created the Lease. */
  private leadsFrom = 0;
  private readonly lost: ((why: string) => void)[] = [];
  private lease: Lease | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private attempt: AbortController | undefined;
  private watchdog: unknown;
  private readonly wakers = new Set<() => void>();
  private lostWhy: string | undefined;

  constructor(
    private readonly options: LeaderElectorOptions,
    deps: LeaderElectorDeps,
  ) {
    if (options.renewDeadlineMs >= options.leaseDurationMs)
      throw new Error('the renew deadline must be shorter than the lease duration');
    this.leases = deps.leases;
    this.clock = deps.clock;
    this.wallNow = deps.wallNow ?? Date.now;
    this.log = deps.log;
  }

  /** The write gate: holding the Lease, and less than renewDeadline since the last renewal began. */
  get isLeader(): boolean {
    const now = this.clock.now();
    return this.leading && now >= this.leadsFrom && now - this.renewedAt < this.options.renewDeadlineMs;
  }

  /** Called once, synchronously, when leadership ends other than by release(). */
  onLost(callback: (why: string) => void): void {
    this.lost.push(callback);
  }

  /**
   * Resolves true once this replica holds the Lease and may write, then renews it in the background;
   * false when stop() or release() came first.
   */
  async acquire(): Promise<boolean> {
    this.log.info(
      { lease: `${this.options.leaseNamespace}/${this.options.leaseName}`, identity: this.options.identity },
      'waiting for leadership',
    );
    for (;;) {
      if (this.stopped) return false;
      const started = this.clock.now();
      const outcome = await this.tryAcquireOrRenew(started, this.options.renewDeadlineMs);
      if (outcome.result === 'acquired') {
        this.renewed(started);
        if (outcome.created) {
          // From the create's answer, not from `started`: a renewal by the leader of the deleted Lease
          // may have begun after our read was sent, but not after the create was answered.
          this.leadsFrom = this.clock.now() + this.options.renewDeadlineMs;
          this.log.info(
            { waitMs: this.options.renewDeadlineMs },
            'created the Lease; leading once a leader of a deleted Lease must have stopped',
          );
        }
        break;
      }
      await this.sleep(this.options.retryPeriodMs);
    }
    if (this.stopped) return false;
    this.leading = true;
    this.loop = this.renewLoop();
    const wait = this.leadsFrom - this.clock.now();
    if (wait > 0) await this.sleep(wait);
    if (this.lostWhy) throw new Error(`leadership was lost before it was used: ${this.lostWhy}`);
    if (this.stopped) return false;
    this.log.info({ identity: this.options.identity }, 'became leader');
    return true;
  }

  /**
   * Gives the Lease up on a clean shutdown, so that another replica takes over at once. The renewal
   * in flight is given up first, and the Lease is re-read, so that renewal cannot take it back.
   */
  async release(): Promise<void> {
    const wasLeader = this.isLeader;
    this.stop();
    await this.loop;
    this.leading = false;
    const left = this.renewedAt + this.options.renewDeadlineMs - this.clock.now();
    if (!wasLeader || left <= 0) return;
    const controller = new AbortController();
    const signal = controller.signal;
    const timer = this.clock.setTimeout(() => controller.abort(new Error('renew deadline passed')), left);
    try {
      const current = await this.leases.get(signal);
      if (current?.spec?.holderIdentity !== this.options.identity) return;
      const now = microTime(this.wallNow());
      await this.leases.replace(
        {
          ...current,
          spec: {
            ...current.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: now,
            acquireTime: now,
          },
        },
        signal,
      );
      this.log.info({ identity: this.options.identity }, 'released the Lease');
    } catch (err) {
      this.log.warn({ err }, 'could not release the Lease; it expires by itself');
    } finally {
      this.clock.clearTimeout(timer);
    }
  }

  /** Ends the renewals and gives up the call in flight; leadership ends without onLost. */
  stop(): void {
    this.stopped = true;
    this.attempt?.abort(new Error('leader election stopped'));
    if (this.watchdog !== undefined) this.clock.clearTimeout(this.watchdog);
    this.watchdog = undefined;
    for (const wake of [...this.wakers]) wake();
  }

  private renewed(started: number): void {
    this.renewedAt = started;
    if (this.watchdog !== undefined) this.clock.clearTimeout(this.watchdog);
    this.watchdog = this.clock.setTimeout(
      () => this.lose('could not renew the Lease within the renew deadline'),
      Math.max(0, started + this.options.renewDeadlineMs - this.clock.now()),
    );
  }

  private lose(why: string): void {
    if (!this.leading || this.stopped) return;
    this.leading = false;
    this.lostWhy = why;
    this.stop();
    this.log.warn({ identity: this.options.identity, why }, 'leadership lost');
    for (const callback of this.lost) callback(why);
  }

  private async renewLoop(): Promise<void> {
    while (!this.stopped) {
      await this.sleep(this.options.retryPeriodMs);
      if (this.stopped) return;
      const started = this.clock.now();
      const left = this.renewedAt + this.options.renewDeadlineMs - started;
      if (left <= 0) return this.lose('could not renew the Lease within the renew deadline');
      const outcome = await this.tryAcquireOrRenew(started, left);
      if (this.stopped) return;
      if (outcome.result === 'acquired') this.renewed(started);
      else if (outcome.result === 'held') return this.lose(`the Lease is held by ${outcome.holder}`);
    }
  }

  /** One attempt, given up after `budgetMs`. */
  private async tryAcquireOrRenew(
    started: number,
    budgetMs: number,
  ): Promise<
    { result: 'acquired'; created: boolean } | { result: Exclude<Attempt, 'acquired'>; holder?: string }
  > {
    const controller = new AbortController();
    this.attempt = controller;
    const timer = this.clock.setTimeout(
      () => controller.abort(new Error(`no answer on the Lease within ${budgetMs} ms`)),
      budgetMs,
    );
    try {
      return await this.attemptOnce(started, controller.signal);
    } catch (err) {
      if (err instanceof StepDown) return { result: 'held', holder: err.message };
      this.log.warn({ err }, 'could not read or update the Lease; retrying');
      return { result: 'failed' };
    } finally {
      this.clock.clearTimeout(timer);
      if (this.attempt === controller) this.attempt = undefined;
    }
  }

  private async attemptOnce(
    started: number,
    signal: AbortSignal,
  ): Promise<{ result: 'acquired'; created: boolean } | { result: 'held'; holder: string }> {
    const { identity } = this.options;
    const durationSeconds = Math.ceil(this.options.leaseDurationMs / 1000);
    const now = microTime(this.wallNow());
    const current = await this.leases.get(signal);
    signal.throwIfAborted();
    if (!current) {
      this.lease = await this.leases.create(
        {
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: 0,
        },
        signal,
      );
      return { result: 'acquired', created: true };
    }
    const spec = current.spec ?? {};
    const record = `${spec.holderIdentity ?? ''}/${spec.renewTime ?? ''}/${current.metadata.resourceVersion ?? ''}`;
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = started;
    }
    const holder = spec.holderIdentity;
    if (holder && holder !== identity) {
      if (this.leading) throw new StepDown(holder);
      const expired = started > this.observedAt + (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (!expired) return { result: 'held', holder };
    }
    const takingOver = holder !== identity;
    try {
      this.lease = await this.leases.replace(
        {
          ...current,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            renewTime: now,
            acquireTime: takingOver ? now : spec.acquireTime,
            leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver ? 1 : 0),
          },
        },
        signal,
      );
    } catch (err) {
      // A conflict while leading: someone else wrote the Lease; look at once whether it was a takeover.
      if (this.leading && httpStatusOf(err) === 409 && !signal.aborted) {
        const latest = await this.leases.get(signal);
        const other = latest?.spec?.holderIdentity;
        if (other && other !== identity) throw new StepDown(other);
      }
      throw err;
    }
    return { result: 'acquired', created: false };
  }

  /** Waits `ms`, or less when stop() is called. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.clock.clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = this.clock.setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}
