// Helpers of the tests that push many requests: batching, the rate-limit check, "all finished".
import type { Obj } from './kube.js';

import { TERMINAL_PHASES } from '../../src/api/index.js';
export const phaseOf = (o: Obj | undefined): string | undefined =>
  (o?.status as { phase?: string } | undefined)?.phase;
export const isFinished = (o: Obj | undefined): boolean =>
  (TERMINAL_PHASES as readonly string[]).includes(phaseOf(o) ?? '');

/** Runs `fn` over `items`, `size` at a time. */
export async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** The most calls started in any window of one second. */
export function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** A waitUntil predicate: the finished requests, once `count` of them are finished. */
export function allFinished(count: number): (items: Obj[]) => Obj[] | undefined {
  return (items) => {
    const finished = items.filter(isFinished);
    return finished.length === count ? finished : undefined;
  };
}

/**
 * Resolves once `check` holds, polling every 10 ms for at most `timeoutMs`: only for in-process state
 * (the supervisor's actors) that has no event to wait on.
 */
export async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
