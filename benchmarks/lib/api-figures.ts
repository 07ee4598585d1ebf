// The orchestrator's API traffic over a run, from its own counters scraped before and after:
// calls by verb and kind, per remediation, against the target, and their mean latency.
import { KINDS } from '../../src/api/index.js';
import { apiCallsBetween, sum, type Sample } from './metrics.js';
import type { BenchmarkResult } from './result.js';
import { round } from './stats.js';

const OWN_KINDS = new Set<string>(Object.keys(KINDS));
const WRITE_VERBS = new Set(['create', 'patch', 'update', 'delete']);

/** A counter's increase between the two scrapes, summed over the samples whose labels match `where`. */
function increase(
  before: Sample[],
  after: Sample[],
  name: string,
  where: Record<string, string> = {},
): number {
  return sum(after, name, where) - sum(before, name, where);
}

/** `count` remediations of a plan with `planSteps` steps; `before` and `after` are /metrics scrapes. */
export function apiFigures(
  before: Sample[],
  after: Sample[],
  count: number,
  planSteps: number,
): BenchmarkResult['api'] {
  const { byVerbKind, byCode } = apiCallsBetween(before, after);
  const perRemediation: Record<string, number> = {};
  let writes = 0;
  let eventWrites = 0;
  let reads = 0;
  let childCreates = 0;
  for (const [key, value] of Object.entries(byVerbKind)) {
    perRemediation[key] = round(value / count, 3);
    const [verb, kind] = key.split(' ') as [string, string];
    if (WRITE_VERBS.has(verb) && OWN_KINDS.has(kind)) writes += value;
    if (WRITE_VERBS.has(verb) && kind === 'Event') eventWrites += value;
    if (verb === 'get' || verb === 'list') reads += value;
    if (verb === 'create' && OWN_KINDS.has(kind) && kind !== 'RemediationRequest') childCreates += value;
  }
  const statusUpdates: Record<string, number> = {};
  for (const result of ['success', 'conflict', 'failure'])
    statusUpdates[result] = increase(before, after, 'remediation_status_updates_total', { result });
  const meanLatencyMs: Record<string, number> = {};
  for (const key of Object.keys(byVerbKind)) {
    const [verb, kind] = key.split(' ') as [string, string];
    const n = increase(before, after, 'remediation_api_request_duration_seconds_count', { verb, kind });
    const total = increase(before, after, 'remediation_api_request_duration_seconds_sum', { verb, kind });
    if (n > 0) meanLatencyMs[key] = round((total * 1000) / n, 1);
  }
  // Processing, analysis, workflow, one execution per step, the success notification.
  const expectedChildren = 3 + planSteps + 1;
  const phasesPerRemediation = increase(before, after, 'remediation_phase_transitions_total') / count;
  return {
    calls: byVerbKind,
    byCode,
    perRemediation,
    writesPerRemediation: round(writes / count, 3),
    eventWritesPerRemediation: round(eventWrites / count, 3),
    readsPerRemediation: round(reads / count, 3),
    childCreatesPerRemediation: round(childCreates / count, 3),
    statusWritesPerRemediation: round(
      (statusUpdates.success! + statusUpdates.conflict! + statusUpdates.failure!) / count,
      3,
    ),
    phaseTransitionsPerRemediation: round(phasesPerRemediation, 3),
    targetWritesPerRemediation: round(expectedChildren + phasesPerRemediation, 3),
    statusUpdates,
    meanLatencyMs,
  };
}
