// A Supervisor wired to fakes, for the supervisor's tests: one MemoryCluster per request as caches
// and effect executor, a deleteRequest spy, a recording log and observer, and a simulated clock.
import { SimulatedClock } from 'xstate';
import type { RequestRef } from '../../src/actors/effects.js';
import type { Observed } from '../../src/actors/observed.js';
import type { Settings } from '../../src/actors/status.js';
import type { Clock } from '../../src/util/clock.js';
import { Supervisor, type SupervisorLog } from '../../src/supervisor/index.js';
import { MemoryCluster } from './memory-cluster.js';
import { T0, flush, request, testSettings } from './machine-harness.js';

export const uidOf = (name: string) => `uid-${name}`;

interface LogLine {
  level: 'warn' | 'error';
  msg: string;
  bindings: Record<string, unknown>;
}

/** `clock` and `settings` replace the simulated clock at T0 and the test settings. */
export function fleet(options: { clock?: Clock; settings?: Settings } = {}) {
  const clusters = new Map<string, MemoryCluster>();
  const simulated = new SimulatedClock();
  simulated.set(T0);
  const clock = options.clock ?? simulated;
  /** Requests whose view is corrupt: their machine throws. */
  const broken = new Set<string>();
  const deleted: RequestRef[] = [];
  const lines: LogLine[] = [];
  const seen = {
    restarted: 0,
    stopped: 0,
    actors: [] as [number, number][],
    active: new Map<string, number>(),
  };
  let deleteFailures = 0;
  const log = (bindings: Record<string, unknown>): SupervisorLog => ({
    child: (more) => log({ ...bindings, ...more }),
    debug: () => {},
    info: () => {},
    warn: (_o, msg) => lines.push({ level: 'warn', msg, bindings }),
    error: (_o, msg) => lines.push({ level: 'error', msg, bindings }),
  });
  const view = (ref: RequestRef): Observed | undefined => {
    const snapshot = clusters.get(ref.uid)?.snapshot();
    return snapshot && broken.has(ref.uid)
      ? ({ ...snapshot, executions: null } as unknown as Observed)
      : snapshot;
  };
  const supervisor = new Supervisor({
    clock,
    settings: options.settings ?? testSettings,
    retryBackoff: { initialMs: 100, maxMs: 1_000, jitter: 0 },
    restartBackoff: { initialMs: 1_000, maxMs: 10_000, jitter: 0 },
    maxRestarts: 2,
    recentlyFinishedSize: 10,
    view,
    applyEffects: (batch) => clusters.get(batch.request.uid)!.apply(batch),
    deleteRequest: async (ref) => {
      deleted.push(ref);
      if (deleteFailures > 0) {
        deleteFailures--;
        throw new Error('API server unavailable');
      }
      clusters.delete(ref.uid);
    },
    log: log({}),
    observer: {
      restarted: () => seen.restarted++,
      stopped: () => seen.stopped++,
      actors: (running, passivated) => seen.actors.push([running, passivated]),
      active: (phase, delta) => seen.active.set(phase, (seen.active.get(phase) ?? 0) + delta),
    },
  });
  const f = {
    supervisor,
    clusters,
    clock: simulated,
    broken,
    deleted,
    lines,
    seen,
    failDeletes: (n: number) => (deleteFailures = n),
    cluster: (name: string) => clusters.get(uidOf(name))!,
    /** A request as the Gateway creates it; not yet announced. */
    create(name: string): MemoryCluster {
      const rr = request(name);
      rr.metadata = { ...rr.metadata, uid: uidOf(name) };
      const cluster = new MemoryCluster(rr);
      clusters.set(uidOf(name), cluster);
      return cluster;
    },
    async start(...names: string[]): Promise<void> {
      supervisor.start(names.map((n) => f.create(n).rr));
      await flush();
    },
    /** The informer reports the request as it is now. */
    async request(type: 'added' | 'modified' | 'deleted', name: string): Promise<void> {
      supervisor.onRequest(type, f.cluster(name).rr);
      await flush();
    },
    /** A child controller writes a child's status; the informer reports it to the owner. */
    async childStatus(name: string, child: string, status: Record<string, unknown>): Promise<void> {
      const cluster = f.cluster(name);
      cluster.setChildStatus(`${name}-${child}`, status);
      supervisor.onChild(
        'modified',
        cluster.children.get(`${name}-${child}`)!.kind,
        uidOf(name),
        `${name}-${child}`,
      );
      await flush();
    },
    async advance(ms: number): Promise<void> {
      simulated.increment(ms);
      await flush();
    },
    phase: (name: string) => f.cluster(name).rr.status?.phase,
  };
  return f;
}
