// Distributions: p50/p95/p99/max by nearest rank, over milliseconds measured on one monotonic clock.

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** The value at rank ceil(q * n) of the sorted samples (nearest rank); q in (0, 1]. */
function nearestRank(sorted: number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** p50/p95/p99/max/mean of `samples`; null when there are none (a figure that could not be measured). */
export function distribution(samples: readonly number[]): Distribution | null {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  const arr = Array.from(sorted);
  let sum = 0;
  for (const v of arr) sum += v;
  return {
    count: arr.length,
    p50: round(nearestRank(arr, 0.5)),
    p95: round(nearestRank(arr, 0.95)),
    p99: round(nearestRank(arr, 0.99)),
    max: round(arr[arr.length - 1]!),
    mean: round(sum / arr.length),
  };
}

export { round };
