// The one door for every write to the API server: a token bucket (QPS and burst) and a concurrency
// cap shared by all actors, retries with capped exponential backoff and jitter for transient
// failures, and metrics per verb, kind and code. Callers get classified errors.
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import { sleep, type Clock } from '../util/clock.js';
import { classify, httpStatusOf, OrchestratorError } from './errors.js';

export interface WriterOptions {
  qps: number;
  burst: number;
  maxConcurrent: number;
  maxRetries: number;
  backoff: BackoffPolicy;
  clock: Clock;
  /**
   * The leadership gate, asked right before each call is sent (after its wait in the queue): when it
   * answers false the call is refused unsent, so a replica that lost its Lease writes nothing more.
   */
  fence?: () => boolean;
}

/** urgent: the first write for a request just seen (pickup); background: writes nobody waits for. */
export type Lane = 'urgent' | 'normal' | 'background';

export interface WriterObserver {
  request?(verb: string, kind: string, code: string, seconds: number): void;
  queueDepth?(depth: number): void;
}

export class ApiWriter {
  private tokens: number;
  private refilledAt: number;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  /** Served before `waiting`: the first writes for a request just seen, so a storm never delays pickup. */
  private readonly urgent: (() => void)[] = [];
  /** Served last: writes nobody waits for (Kubernetes Events). */
  private readonly background: (() => void)[] = [];
  private tokenTimer: unknown;
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
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  get queueDepth(): number {
    return this.waiting.length + this.urgent.length + this.background.length;
  }

  /** Runs `call` under the rate limit, retrying transient failures; throws an OrchestratorError. */
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
    for (let attempt = 0; ; attempt++) {
      await this.acquire(options.lane ?? 'normal');
      if (this.options.fence && !this.options.fence()) {
        this.release();
        throw new OrchestratorError(
          'API_UNAVAILABLE',
          `${what}: refused, not sent: this replica no longer holds the leader Lease`,
        );
      }
      const started = this.options.clock.now();
      if (this.recordIssued) this.issuedLog.push({ at: started, verb, kind, what });
      try {
        const result = await call();
        this.observer.request?.(
          verb,
          kind,
          verb === 'create' ? '201' : '200',
          (this.options.clock.now() - started) / 1000,
        );
        return result;
      } catch (err) {
        const status = httpStatusOf(err);
        this.observer.request?.(
          verb,
          kind,
          status === undefined ? 'error' : String(status),
          (this.options.clock.now() - started) / 1000,
        );
        const classified = classify(err, what);
        // Only transient failures (category B) are worth the same call again; a conflict (E) needs
        // a fresh read first, which is the caller's to do.
        const worthIt = classified.category === 'B' && (options.retry?.(classified) ?? true);
        if (!worthIt || attempt >= this.options.maxRetries) throw classified;
        await sleep(this.options.clock, backoffDelay(this.options.backoff, attempt));
      } finally {
        this.release();
      }
    }
  }

  private refill(): void {
    const now = this.options.clock.now();
    const added = ((now - this.refilledAt) / 1000) * this.options.qps;
    if (added > 0) {
      this.tokens = Math.min(this.options.burst, this.tokens + added);
      this.refilledAt = now;
    }
  }

  private canStart(): boolean {
    this.refill();
    return this.tokens >= 1 && this.inFlight < this.options.maxConcurrent;
  }

  private start(): void {
    this.tokens -= 1;
    this.inFlight += 1;
    if (this.recordIssued) this.issued.push(this.options.clock.now());
  }

  private acquire(lane: Lane): Promise<void> {
    if (this.queueDepth === 0 && this.canStart()) {
      this.start();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      (lane === 'urgent' ? this.urgent : lane === 'background' ? this.background : this.waiting).push(
        resolve,
      );
      this.observer.queueDepth?.(this.queueDepth);
      this.pump();
    });
  }

  private release(): void {
    this.inFlight -= 1;
    this.pump();
  }

  /** Starts queued calls (urgent, then normal, then background; each lane in arrival order) while tokens and slots allow. */
  private pump(): void {
    while (this.queueDepth > 0 && this.canStart()) {
      this.start();
      (this.urgent.shift() ?? this.waiting.shift() ?? this.background.shift())!();
    }
    this.observer.queueDepth?.(this.queueDepth);
    if (this.queueDepth > 0 && this.tokens < 1 && this.tokenTimer === undefined) {
      const wait = Math.ceil(((1 - this.tokens) / this.options.qps) * 1000);
      this.tokenTimer = this.options.clock.setTimeout(() => {
        this.tokenTimer = undefined;
        this.pump();
      }, wait);
    }
  }
}
