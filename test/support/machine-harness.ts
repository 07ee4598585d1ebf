// Runs the remediation machine against a MemoryCluster with a simulated clock.
import { SimulatedClock, createActor, fromPromise } from 'xstate';
import type { RemediationRequest } from '../../src/api/index.js';
import { remediationMachine } from '../../src/actors/machine.js';
import type { Settings } from '../../src/actors/status.js';
import { MemoryCluster } from './memory-cluster.js';

export const T0 = Date.parse('2026-11-26T10:00:00Z');

export const testSettings: Settings = {
  timeouts: { global: 3_600_000, processing: 900_000, analyzing: 900_000, awaitingApproval: 900_000, workflowPlanning: 900_000, executing: 1_800_000 },
  retentionMs: 86_400_000,
  channels: ['slack'],
  historyLimit: 50,
};

export function request(name = 'rr1', spec: Partial<RemediationRequest['spec']> = {}): RemediationRequest {
  return {
    apiVersion: 'remediation.kubernaut.ai/v1alpha1',
    kind: 'RemediationRequest',
    metadata: { name, namespace: 'ns' },
    spec: { targetingData: { signalFingerprint: 'fp-1', alertName: 'HighMemory', environment: 'production', severity: 'critical' }, ...spec },
  };
}

export function harness(rr: RemediationRequest = request(), settings: Settings = testSettings) {
  const cluster = new MemoryCluster(rr);
  const clock = new SimulatedClock();
  clock.set(T0);
  const machine = remediationMachine.provide({ actors: { applyEffects: fromPromise(({ input }) => cluster.apply(input)) } });
  const actor = createActor(machine, { input: { observed: cluster.snapshot(), settings, now: clock.now() }, clock });
  const h = {
    cluster,
    clock,
    actor,
    phase: () => actor.getSnapshot().context.ledger.phase,
    status: () => cluster.rr.status ?? {},
    /** Waits until the sync region has nothing more to write (or is backing off). */
    async settle(): Promise<void> {
      for (let i = 0; i < 10_000; i++) {
        const s = actor.getSnapshot();
        if (s.status !== 'active') return;
        const sync = (s.value as { sync?: string }).sync;
        if (sync !== 'applying') return;
        await new Promise((r) => setImmediate(r));
      }
      throw new Error('the machine did not settle');
    },
    /** Delivers the cluster's current state, as the informers would. */
    async observe(deleted: string[] = []): Promise<void> {
      actor.send({ type: 'observed', observed: cluster.snapshot(), deleted, now: clock.now() });
      await h.settle();
    },
    async advance(ms: number): Promise<void> {
      clock.increment(ms);
      actor.send({ type: 'tick', now: clock.now() });
      await h.settle();
    },
    async childStatus(name: string, status: Record<string, unknown>): Promise<void> {
      cluster.setChildStatus(name, status);
      await h.observe();
    },
  };
  actor.start();
  return h;
}
