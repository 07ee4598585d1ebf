// An alert storm for tests and the benchmark: many requests for a few fingerprints, created at a
// steady pace, each fingerprint's children told by the simulator whether its remediation succeeds;
// and a recorder of every request's phase changes, as a watch delivers them, that notes any moment
// two requests of one fingerprint work at once.
import { SCENARIO_ANNOTATION } from '../../src/sim/index.js';
import { isTerminal, WORKING_PHASES, type Phase } from '../../src/actors/phases.js';
import type { Obj } from './kube.js';

export interface StormFingerprint {
  index: number;
  fingerprint: string;
  succeeds: boolean;
  severity: 'critical' | 'warning';
}

/** The scenario override of a fingerprint's remediation: one step, which fails when it must. */
export function stormScenario(succeeds: boolean, delayMs = 300): string {
  return JSON.stringify({
    intermediatePhases: false,
    processing: { delayMs },
    analysis: { delayMs },
    workflow: { delayMs },
    plan: [{ name: 'fix', action: 'restart' }],
    execution: { delayMs, failSteps: succeeds ? [] : ['fix'] },
    notification: { delayMs: 0 },
  });
}

/** A request's body for fingerprint `f`, its target a Deployment of its own. */
export function stormRequest(
  name: string,
  f: StormFingerprint,
  namespace: string,
): Omit<Obj, 'apiVersion' | 'kind'> {
  return {
    metadata: { name },
    spec: {
      targetingData: {
        signalFingerprint: f.fingerprint,
        alertName: `StormAlert${f.index}`,
        environment: 'production',
        severity: f.severity,
        namespace,
        resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: `app-${f.index}`, namespace },
        annotations: { [SCENARIO_ANNOTATION]: stormScenario(f.succeeds) },
      },
    },
  };
}

/**
 * Calls `create(i)` for i in [0, count), the i-th no earlier than `dueMs(i)` after the start, at
 * most `concurrency` at a time (late ones go as soon as a slot frees). Resolves with the time the
 * last call ended, ms after the start.
 */
export async function paced(
  count: number,
  dueMs: (i: number) => number,
  concurrency: number,
  create: (i: number) => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const wait = started + dueMs(i) - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await create(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - started;
}

const WORKING: ReadonlySet<Phase> = new Set(WORKING_PHASES);

export interface PhaseChange {
  /** performance.now() when the watch delivered it. */
  at: number;
  name: string;
  from?: Phase;
  to: Phase;
}

/** Follows requests' phases from watch events: counts, and requests of one fingerprint working at once. */
export class PhaseRecorder {
  private readonly phases = new Map<string, Phase | undefined>();
  private readonly working = new Map<string, Set<string>>();
  readonly changes: PhaseChange[] = [];
  readonly overlaps: string[] = [];
  terminal = 0;

  /** An informer event of a RemediationRequest. */
  observe(type: string, rr: Obj): void {
    if (type === 'deleted') return;
    const name = rr.metadata.name;
    const to = (rr.status as { phase?: Phase } | undefined)?.phase;
    const from = this.phases.get(name);
    if (this.phases.has(name) && from === to) return;
    this.phases.set(name, to);
    if (!to) return;
    this.changes.push({ at: performance.now(), name, from, to });
    if (isTerminal(to) && !isTerminal(from)) this.terminal++;
    const fp = (rr.spec as { targetingData: { signalFingerprint: string } }).targetingData.signalFingerprint;
    let set = this.working.get(fp);
    if (!set) this.working.set(fp, (set = new Set()));
    if (WORKING.has(to)) {
      set.add(name);
      if (set.size > 1)
        this.overlaps.push(`${fp}: ${[...set].join(', ')} work at once (${name} entered ${to})`);
    } else set.delete(name);
  }

  /** How many requests entered each phase. */
  entered(phase: Phase): number {
    return this.changes.filter((c) => c.to === phase).length;
  }
}
