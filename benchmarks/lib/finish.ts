// Waits for a run's requests to reach a terminal phase, watching that the orchestrator stays alive.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Observer } from './observer.js';
import type { BenchProcess } from './processes.js';

/**
 * Resolves when `count` requests have finished or `deadline` (performance.now()'s clock) has passed;
 * resolves early, with why, when the orchestrator exits.
 */
export async function awaitFinished(
  observer: Observer,
  count: number,
  deadline: number,
  orchestrator: BenchProcess,
): Promise<{ failure?: string }> {
  while (observer.finished < count && performance.now() < deadline) {
    if (orchestrator.exited())
      return { failure: `the orchestrator exited during the run: ${exitReason(orchestrator.tail())}` };
    await sleep(50);
  }
  return {};
}

/** The line of a dead process's output that says why: a fatal error, or else its last line. */
export function exitReason(tail: string): string {
  const lines = tail
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /FATAL ERROR|out of memory|Error:/.test(l)) ?? lines.at(-1) ?? 'no output';
}
