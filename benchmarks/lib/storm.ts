// The figures of an alert storm run (BenchmarkOptions.fingerprints): remediations and notifications
// against one per problem, and the writes each suppressed request cost, from what the benchmark saw.
import type { RequestTiming } from './observer.js';
import type { StormFigures } from './result.js';
import { round } from './stats.js';

export function stormFigures(fingerprints: number, timings: readonly RequestTiming[]): StormFigures {
  let remediations = 0;
  let notifications = 0;
  const outcomes: Record<string, number> = {};
  const writes: number[] = [];
  for (const t of timings) {
    for (const c of t.children.values()) {
      if (c.kind === 'RemediationProcessing') remediations++;
      if (c.kind === 'NotificationRequest') notifications++;
    }
    if (t.terminalPhase === undefined) continue;
    const outcome = `${t.terminalPhase}/${t.terminalReason ?? ''}`;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (t.terminalPhase === 'Skipped') writes.push(t.writes ?? 0);
  }
  return {
    fingerprints,
    remediations,
    notifications,
    suppressed: writes.length,
    writesPerSuppressed: writes.length
      ? { mean: round(writes.reduce((a, b) => a + b, 0) / writes.length, 3), max: Math.max(...writes) }
      : null,
    outcomes,
  };
}
