export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Fraction of the delay drawn at random, 0-1 ("full jitter" at 1). */
  jitter: number;
}

/** Capped exponential backoff with jitter: attempt 0 waits about initialMs. */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 - policy.jitter) + base * policy.jitter * random());
}
