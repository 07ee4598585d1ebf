import { expect } from 'chai';
import { AdaptiveLimit } from '../../src/k8s/adaptive-limit.js';

const options = { min: 1, max: 64, initial: 4, latencyFloorMs: 250, latencyTolerance: 2 };

/** `n` quick answers (10 ms) to calls started at `at`, with the limit in use. */
function answer(limit: AdaptiveLimit, n: number, at: number, latencyMs = 10): void {
  for (let i = 0; i < n; i++) limit.succeeded(at, at + latencyMs, latencyMs, true);
}

describe('the adaptive concurrency limit', function () {
  it('doubles per round trip while the server answers quickly, up to its maximum', function () {
    const limit = new AdaptiveLimit(options);
    expect(limit.limit).to.equal(4);
    answer(limit, 4, 0);
    expect(limit.limit).to.equal(8);
    answer(limit, 8, 10);
    expect(limit.limit).to.equal(16);
    answer(limit, 1000, 20);
    expect(limit.limit).to.equal(64);
  });

  it('does not grow when the limit is not in use', function () {
    const limit = new AdaptiveLimit(options);
    for (let i = 0; i < 100; i++) limit.succeeded(0, 10, 10, false);
    expect(limit.limit).to.equal(4);
  });

  it('halves on a 429, once per round trip, then grows by one per round trip', function () {
    const limit = new AdaptiveLimit(options);
    answer(limit, 28, 0); // slow start: 4 -> 32
    expect(limit.limit).to.equal(32);
    // Every call of the round trip in flight when the first 429 came is turned away too: one cut.
    expect(limit.throttled(100, 200)).to.equal(true);
    expect(limit.throttled(150, 210)).to.equal(false);
    expect(limit.throttled(199, 220)).to.equal(false);
    expect(limit.limit).to.equal(16);
    // A call that started after the cut is news: the halved limit is still too much.
    expect(limit.throttled(205, 300)).to.equal(true);
    expect(limit.limit).to.equal(8);
    // Additive increase now: a round trip's worth of answers (a little more than the limit) adds one.
    answer(limit, 9, 400);
    expect(limit.limit).to.equal(9);
    answer(limit, 10, 500);
    expect(limit.limit).to.equal(10);
  });

  it('never goes below its minimum', function () {
    const limit = new AdaptiveLimit(options);
    for (let t = 0; t < 20; t++) limit.throttled(t * 10, t * 10 + 5);
    expect(limit.limit).to.equal(1);
  });

  it('loses a tenth when latency climbs well above its norm, not while it stays under the floor', function () {
    const limit = new AdaptiveLimit(options);
    answer(limit, 60, 0, 20);
    expect(limit.limit).to.equal(64);
    // Five times slower but still under the floor (250 ms): no congestion.
    answer(limit, 30, 100, 100);
    expect(limit.limit).to.equal(64);
    // Much slower and above the floor: one cut for the round trip.
    let cuts = 0;
    for (let i = 0; i < 10; i++) if (limit.succeeded(1000, 1600, 600, true) === 'latency') cuts++;
    expect(cuts).to.equal(1);
    expect(limit.limit).to.equal(57);
  });
});
