// Timers of any length on the injected clock. Node's setTimeout takes at most 2^31-1 ms (24.8 days):
// a longer delay becomes 1 ms and emits a TimeoutOverflowWarning, so a timer that re-arms itself at a
// far deadline (a 1000h timeout, a 720h retention) spins: measured at 17% of a core and 9,000
// warnings in 30 s for one request. Here a far deadline is armed at the clamp and re-armed from there.
import type { Clock } from './clock.js';

/** The longest delay Node's setTimeout honours. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface TimerHandle {
  cancel(): void;
}

class ClampedTimeout implements TimerHandle {
  private id: unknown;

  constructor(
    private readonly clock: Clock,
    private readonly fn: () => void,
    private readonly due: number,
    private readonly maxMs: number,
  ) {
    this.arm();
  }

  private arm(): void {
    const left = Math.max(0, this.due - this.clock.now());
    this.id = this.clock.setTimeout(() => this.fired(), Math.min(left, this.maxMs));
  }

  private fired(): void {
    this.id = undefined;
    if (this.clock.now() < this.due) this.arm();
    else this.fn();
  }

  cancel(): void {
    if (this.id !== undefined) this.clock.clearTimeout(this.id);
    this.id = undefined;
  }
}

/** Calls `fn` once, `ms` from now on `clock`, however far that is; never early. */
export function setClampedTimeout(
  clock: Clock,
  fn: () => void,
  ms: number,
  maxMs: number = MAX_TIMEOUT_MS,
): TimerHandle {
  return new ClampedTimeout(clock, fn, clock.now() + Math.max(0, ms), Math.min(maxMs, MAX_TIMEOUT_MS));
}
