// The one door for every write to the API server: a concurrency limit that follows the API server
// (adaptive-limit.ts), an optional token bucket (QPS and burst) for those who want a fixed cap, shared
// by all actors; retries with capped exponential backoff and jitter for transient failures, and
// metrics per verb, kind and code. A 429 is the server asking to wait, never a failure: it is retried
// after its Retry-After for as long as it comes, and counts against no retry budget. Callers get
// classified errors.
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import { sleep, type Clock } from '../util/clock.js';
import { setClampedTimeout, type TimerHandle } from '../util/timer.js';
import { AdaptiveLimit, DEFAULT_ADAPTIVE_LIMIT, type AdaptiveLimitOptions } from './adaptive-limit.js';
import { classify, httpStatusOf, OrchestratorError, retryAfterMsOf } from './errors.js';

export interface WriterOptions {
  /** Sustained writes per second of the token bucket; 0 = no fixed cap (the default). */
  qps: number;
  burst: number;
  /** The most writes in flight at once: the ceiling of the adaptive limit. */
  maxConcurrent: number;
  maxRetries: number;
  backoff: BackoffPolicy;
  clock: Clock;
  /** Most calls waiting in the background lane; beyond it the oldest is dropped (default 1,000). */
  maxBackground?: number;
  /** Tuning of the adaptive limit; its `max` is always `maxConcurrent`. */
  adaptive?: Partial<Omit<AdaptiveLimitOptions, 'max'>>;
  /**
   * The leadership gate, asked right before each call is sent (after its wait in the queue): when it
   * answers false the call is refused unsent, so a replica that lost its Lease writes nothing more.
   */
  fence?: () => boolean;
}

/** Events waiting beyond this are dropped, oldest first: under load above --qps they would pile up without end. */
export const MAX_BACKGROUND_QUEUE = 1_000;

/**
 * urgent: the first write for a request just seen (pickup); suppressed: a request held or ended by
 * storm protection (Blocked, Skipped), behind every working request's write so that an alert storm
 * never delays the remediation it repeats, but never dropped; background: writes nobody waits for.
 */
export type Lane = 'urgent' | 'normal' | 'suppressed' | 'background';

export interface WriterObserver {
  request?(verb: string, kind: string, code: string, seconds: number): void;
  queueDepth?(depth: number): void;
  /** A waiting background call (an Event) was dropped to keep the lane bounded. */
  dropped?(lane: Lane): void;
  /** The adaptive limit changed (writes allowed in flight at once). */
  concurrencyLimit?(limit: number): void;
}

export class ApiWriter {
  private tokens: number;
  private refilledAt: number;
  private inFlight = 0;
  private readonly limiter: AdaptiveLimit;
  private readonly waiting: (() => void)[] = [];
  /** Served before `waiting`: the first writes for a request just seen, so a storm never delays pickup. */
  private readonly urgent: (() => void)[] = [];
  /** Served after `waiting`: writes of requests that storm protection holds or skipped. */
  private readonly suppressed: (() => void)[] = [];
  /** Served last: writes nobody waits for (Kubernetes Events). */
  private readonly background: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private readonly lanes = { urgent: this.urgent, normal: this.waiting, suppressed: this.suppressed };
  private tokenTimer: TimerHandle | undefined;
  /** Start times of the calls issued, and what each was, for tests that check the rate limit. */
  readonly issued: number[] = [];
  readonly issuedLog: { at: number; verb: string; kind: string; what: string }[] = [];
  recordIssued = false;

  constructor(
    private readonly options: WriterOptions,
    private readonly observer: WriterObserver = {},
  ) {
    this.tokens = options.burst;
    this.refilledAt = options.clock.now();
    this.limiter = new AdaptiveLimit({
      ...DEFAULT_ADAPTIVE_LIMIT,
      ...options.adaptive,
      max: options.maxConcurrent,
    });
    observer.concurrencyLimit?.(this.limiter.limit);
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  get queueDepth(): number {
    return this.waiting.length + this.urgent.length + this.suppressed.length + this.background.length;
  }

  /** Writes allowed in flight at once now. */
  get concurrencyLimit(): number {
    return this.limiter.limit;
  }

  /** Runs `call` under the limits, retrying transient failures; throws an OrchestratorError. */
  async run<T>(
    verb: string,
    kind: string,
    what: string,
    call: () => Promise<T>,
    options: {
      lane?: Lane;
      /** Which transient failures (category B) are worth the same call again; all by default. */
      retry?: (error: OrchestratorError) => boolean;
    } = {},
  ): Promise<T> {
    const { clock } = this.options;
    let failures = 0;
    let throttles = 0;
    for (;;) {
      await this.acquire(options.lane ?? 'normal');
      if (this.options.fence && !this.options.fence()) {
        this.release();
        throw new OrchestratorError(
          'API_UNAVAILABLE',
          `${what}: refused, not sent: this replica no longer holds the leader Lease`,
        );
      }
      const started = clock.now();
      if (this.recordIssued) this.issuedLog.push({ at: started, verb, kind, what });
      let wait: number;
      try {
        const result = await call();
        const now = clock.now();
        this.observer.request?.(verb, kind, verb === 'create' ? '201' : '200', (now - started) / 1000);
        this.adapt(() => this.limiter.succeeded(started, now, now - started, this.busy()));
        return result;
      } catch (err) {
        const now = clock.now();
        const status = httpStatusOf(err);
        this.observer.request?.(
          verb,
          kind,
          status === undefined ? 'error' : String(status),
          (now - started) / 1000,
        );
        if (status === 429) {
          this.adapt(() => this.limiter.throttled(started, now));
          wait = Math.max(retryAfterMsOf(err) ?? 0, backoffDelay(this.options.backoff, throttles++));
        } else {
          const classified = classify(err, what);
          // Only transient failures (category B) are worth the same call again; a conflict (E) needs
          // a fresh read first, which is the caller's to do.
          const worthIt = classified.category === 'B' && (options.retry?.(classified) ?? true);
          if (!worthIt || failures >= this.options.maxRetries) throw classified;
          wait = backoffDelay(this.options.backoff, failures++);
        }
      } finally {
        this.release();
      }
      // The slot is free while the call waits: others may use it.
      await sleep(clock, wait);
    }
  }

  /** The limit is nearly used: a success then says the server could take more. */
  private busy(): boolean {
    return this.queueDepth > 0 || this.inFlight * 2 >= this.limiter.limit;
  }

  private adapt(change: () => unknown): void {
    const before = this.limiter.limit;
    change();
    if (this.limiter.limit !== before) this.observer.concurrencyLimit?.(this.limiter.limit);
  }

  private refill(): void {
    const now = this.options.clock.now();
    const added = ((now - this.refilledAt) / 1000) * this.options.qps;
    if (added > 0) {
      this.tokens = Math.min(this.options.burst, this.tokens + added);
      this.refilledAt = now;
    }
  }

  private rateLimited(): boolean {
    return this.options.qps > 0;
  }

  private canStart(): boolean {
    if (this.inFlight >= this.limiter.limit) return false;
    if (!this.rateLimited()) return true;
    this.refill();
    return this.tokens >= 1;
  }

  private start(): void {
    if (this.rateLimited()) this.tokens -= 1;
    this.inFlight += 1;
    if (this.recordIssued) this.issued.push(this.options.clock.now());
  }

  private acquire(lane: Lane): Promise<void> {
    if (this.queueDepth === 0 && this.canStart()) {
      this.start();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      if (lane === 'background') {
        if (this.background.length >= (this.options.maxBackground ?? MAX_BACKGROUND_QUEUE)) {
          this.background.shift()!.reject(new Error('dropped: too many background calls waiting'));
          this.observer.dropped?.(lane);
        }
        this.background.push({ resolve, reject });
      } else this.lanes[lane].push(resolve);
      this.observer.queueDepth?.(this.queueDepth);
      this.pump();
    });
  }

  private release(): void {
    this.inFlight -= 1;
    this.pump();
  }

  /** Starts queued calls (urgent, normal, suppressed, then background; each lane in arrival order) while tokens and slots allow. */
  private pump(): void {
    while (this.queueDepth > 0 && this.canStart()) {
      this.start();
      (
        this.urgent.shift() ??
        this.waiting.shift() ??
        this.suppressed.shift() ??
        this.background.shift()!.resolve
      )();
    }
    this.observer.queueDepth?.(this.queueDepth);
    if (this.rateLimited() && this.queueDepth > 0 && this.tokens < 1 && this.tokenTimer === undefined) {
      const wait = Math.ceil(((1 - this.tokens) / this.options.qps) * 1000);
      this.tokenTimer = setClampedTimeout(
        this.options.clock,
        () => {
          this.tokenTimer = undefined;
          this.pump();
        },
        wait,
      );
    }
  }
}
