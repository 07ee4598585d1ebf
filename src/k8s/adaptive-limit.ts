// How many writes may be in flight at once, learned from the API server's answers (AIMD, as TCP's
// congestion window): the limit doubles per round trip at first (slow start), then grows by one per
// round trip while answers come back quickly; it halves on a 429 (API Priority and Fairness turning
// calls away) and loses a tenth when latency climbs well above its recent norm. One cut per round
// trip: a signal from a call that started before the last cut says nothing about the new limit.

export interface AdaptiveLimitOptions {
  /** The limit never goes below this. */
  min: number;
  /** Nor above this (--max-concurrent-writes). */
  max: number;
  /** Where it starts; slow start reaches `max` in a few round trips while the server keeps up. */
  initial: number;
  /** A short-term latency under this never counts as congestion, however it compares (ms). */
  latencyFloorMs: number;
  /** Short-term latency above this multiple of the long-term one counts as congestion. */
  latencyTolerance: number;
}

export const DEFAULT_ADAPTIVE_LIMIT: Omit<AdaptiveLimitOptions, 'max'> = {
  min: 1,
  initial: 4,
  latencyFloorMs: 250,
  latencyTolerance: 2,
};

/** Weights of the two moving averages of latency: the last few calls, and the last hundred or so. */
const SHORT_WEIGHT = 0.2;
const LONG_WEIGHT = 0.01;
/** The long average needs this many samples before latency can count as congestion. */
const WARM_UP_SAMPLES = 20;
const THROTTLE_FACTOR = 0.5;
const LATENCY_FACTOR = 0.9;

export type CutReason = 'throttled' | 'latency';

export class AdaptiveLimit {
  private value: number;
  private slowStart = true;
  private cutAt = -Infinity;
  private shortMs = 0;
  private longMs = 0;
  private samples = 0;

  constructor(private readonly options: AdaptiveLimitOptions) {
    this.value = clamp(options.initial, options.min, options.max);
  }

  /** Whole calls allowed in flight now. */
  get limit(): number {
    return Math.floor(this.value);
  }

  /**
   * A call that started at `startedAt` was answered after `latencyMs`; `busy` says whether the limit
   * was nearly used (a limit nobody reaches proves nothing and does not grow). Returns the reason of a
   * cut when latency caused one.
   */
  succeeded(startedAt: number, now: number, latencyMs: number, busy: boolean): CutReason | undefined {
    this.samples += 1;
    if (this.samples === 1) this.shortMs = this.longMs = latencyMs;
    this.shortMs += SHORT_WEIGHT * (latencyMs - this.shortMs);
    this.longMs += LONG_WEIGHT * (latencyMs - this.longMs);
    const slow =
      this.samples >= WARM_UP_SAMPLES &&
      this.shortMs > this.options.latencyFloorMs &&
      this.shortMs > this.options.latencyTolerance * this.longMs;
    if (slow) return this.cut(startedAt, now, LATENCY_FACTOR) ? 'latency' : undefined;
    if (busy) this.grow(this.slowStart ? 1 : 1 / this.value);
    return undefined;
  }

  /** A call that started at `startedAt` was turned away with a 429. Returns whether the limit was cut. */
  throttled(startedAt: number, now: number): boolean {
    return this.cut(startedAt, now, THROTTLE_FACTOR);
  }

  private grow(by: number): void {
    this.value = Math.min(this.options.max, this.value + by);
  }

  private cut(startedAt: number, now: number, factor: number): boolean {
    this.slowStart = false;
    if (startedAt < this.cutAt) return false;
    this.cutAt = now;
    this.value = Math.max(this.options.min, this.value * factor);
    return true;
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
