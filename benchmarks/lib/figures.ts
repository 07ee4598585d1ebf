// The figures of what the benchmark observed from outside: latency distributions, throughput and
// requests in flight from the requests' timings, and each process's CPU and memory from its samples.
import { handoffs, type RequestTiming } from './observer.js';
import type { ProcWatcher } from './proc.js';
import type { BenchmarkResult, ProcessFigures } from './result.js';
import { distribution, round } from './stats.js';

export interface LatencySamples {
  pickup: number[];
  endToEnd: number[];
  handoff: number[];
  /** Hand-offs whose cause was seen after the child: no sample (observer.ts, handoffs). */
  handoffsReordered: number;
}

/** The latency samples of the requests whose create was sent, ms. */
export function latencySamples(timings: readonly RequestTiming[]): LatencySamples {
  const out: LatencySamples = { pickup: [], endToEnd: [], handoff: [], handoffsReordered: 0 };
  for (const t of timings) {
    if (t.createSentAt === undefined) continue;
    if (t.firstPhaseAt !== undefined) out.pickup.push(t.firstPhaseAt - t.createSentAt);
    if (t.terminalAt !== undefined) out.endToEnd.push(t.terminalAt - t.createSentAt);
    const h = handoffs(t);
    out.handoff.push(...h.samples);
    out.handoffsReordered += h.reordered;
  }
  return out;
}

/** The distributions of the samples; overhead is end-to-end minus `workMs` of simulated work. */
export function latencyFigures(
  s: LatencySamples,
  workMs: number,
  createCalls: readonly number[],
): BenchmarkResult['latencyMs'] {
  return {
    pickup: distribution(s.pickup),
    handoff: distribution(s.handoff),
    endToEnd: distribution(s.endToEnd),
    overhead: distribution(s.endToEnd.map((v) => v - workMs)),
    createCall: distribution(createCalls),
  };
}

interface InFlight {
  firstCreate: number | undefined;
  peak: number;
  /** The integral of requests in flight over time up to the last create or finish at or before `createsDone`, request-ms. */
  areaWhileCreating: number;
}

/** Requests in flight (create sent, terminal phase not yet seen) over the run. */
export function inFlight(timings: readonly RequestTiming[], createsDone: number): InFlight {
  const events: [number, number][] = [];
  for (const t of timings) {
    if (t.createSentAt === undefined) continue;
    events.push([t.createSentAt, 1]);
    if (t.terminalAt !== undefined) events.push([t.terminalAt, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  let area = 0;
  let lastT = events[0]?.[0] ?? 0;
  for (const [t, d] of events) {
    if (t <= createsDone) area += now * (t - lastT);
    lastT = t;
    now += d;
    peak = Math.max(peak, now);
  }
  return { firstCreate: events[0]?.[0], peak, areaWhileCreating: area };
}

/** Finishes per second between the 10th and 90th percentile of finish times (the whole drain under 20). */
export function sustainedPerSecond(sortedFinishes: readonly number[], drainMs: number | null): number | null {
  if (sortedFinishes.length >= 20) {
    const lo = Math.floor(sortedFinishes.length * 0.1);
    const hi = Math.ceil(sortedFinishes.length * 0.9) - 1;
    const span = sortedFinishes[hi]! - sortedFinishes[lo]!;
    return span > 0 ? round(((hi - lo) * 1000) / span, 2) : null;
  }
  return drainMs ? round((sortedFinishes.length * 1000) / drainMs, 2) : null;
}

export interface ThroughputInput {
  timings: readonly RequestTiming[];
  /** The times terminal phases were seen. */
  finishTimes: readonly number[];
  /** When the last create was answered. */
  createsDone: number;
  created: number;
  finished: number;
}

export function throughputFigures(x: ThroughputInput): BenchmarkResult['throughput'] {
  const { firstCreate, peak, areaWhileCreating } = inFlight(x.timings, x.createsDone);
  const finishes = [...x.finishTimes].sort((a, b) => a - b);
  const lastFinish = finishes[finishes.length - 1];
  const drainMs = firstCreate !== undefined && lastFinish !== undefined ? lastFinish - firstCreate : null;
  const creating =
    firstCreate !== undefined && x.createsDone > firstCreate ? x.createsDone - firstCreate : null;
  return {
    drainSeconds: drainMs === null ? null : round(drainMs / 1000, 2),
    createSeconds: firstCreate === undefined ? null : round((x.createsDone - firstCreate) / 1000, 2),
    achievedCreateRate: creating === null ? null : round((x.created * 1000) / creating, 1),
    overallPerSecond: drainMs ? round((x.finished * 1000) / drainMs, 2) : null,
    sustainedPerSecond: sustainedPerSecond(finishes, drainMs),
    peakInFlight: peak,
    meanInFlightWhileCreating: creating === null ? null : round(areaWhileCreating / creating, 1),
  };
}

/** A watched process's peak RSS and CPU over the run, the CPU also per remediation. */
export function processFigures(w: ProcWatcher, count: number): ProcessFigures {
  const cpu = w.cpuSeconds();
  return {
    pid: w.pid ?? null,
    peakRssBytes: w.pid === undefined || w.peakRssBytes === 0 ? null : w.peakRssBytes,
    cpuSeconds: cpu === null ? null : round(cpu, 3),
    cpuMsPerRemediation: cpu === null || count === 0 ? null : round((cpu * 1000) / count, 3),
  };
}
