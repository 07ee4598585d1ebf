// Runs the remediation machine against a MemoryCluster with a simulated clock.
import { SimulatedClock, createActor } from 'xstate';
import { CANCEL_ANNOTATION, type RemediationRequest } from '../../src/api/index.js';
import { runtimeMachine } from '../../src/actors/runtime-machine.js';
import type { Settings } from '../../src/actors/status.js';
import { defaultConfig } from '../../src/config.js';
import type { BackoffPolicy } from '../../src/util/backoff.js';
import { MemoryCluster } from './memory-cluster.js';

export const T0 = Date.parse('2026-11-26T10:00:00Z');
export const MINUTE = 60_000;

export const testSettings: Settings = {
  timeouts: {
    global: 3_600_000,
    processing: 900_000,
    analyzing: 900_000,
    awaitingApproval: 900_000,
    workflowPlanning: 900_000,
    executing: 1_800_000,
  },
  retentionMs: 86_400_000,
  channels: ['slack'],
  historyLimit: 50,
  progressIntervalMs: 1_000,
};

/** Production's retry backoff, without its jitter so that tests know when a retry falls due. */
export const testBackoff: BackoffPolicy = { ...defaultConfig().api.backoff, jitter: 0 };

export function request(name = 'rr1', spec: Partial<RemediationRequest['spec']> = {}): RemediationRequest {
  return {
    apiVersion: 'remediation.kubernaut.ai/v1alpha1',
    kind: 'RemediationRequest',
    metadata: { name, namespace: 'ns' },
    spec: {
      targetingData: {
        signalFingerprint: 'fp-1',
        alertName: 'HighMemory',
        environment: 'production',
        severity: 'critical',
      },
      ...spec,
    },
  };
}

// Child statuses as the child controllers write them.
export interface StepSpec {
  name: string;
  dependsOn?: string[];
}
export const planned = (steps: StepSpec[]) => ({
  phase: 'Planned',
  plan: { steps: steps.map((s) => ({ action: 'restart', dependsOn: [], ...s })) },
});
export const approvalContext = {
  reason: 'risky',
  confidence: 0.7,
  summary: 'restart pods',
  recommendedActions: ['restart'],
};
export const approving = { phase: 'Approving', requiresApproval: true, approvalContext };
export const approved = {
  decision: 'Approved',
  decidedBy: 'alice@example.com',
  method: 'slack',
  justification: 'ok',
  decidedAt: '2026-11-26T10:05:00Z',
};
export const investigation = {
  rootCause: 'leak',
  confidence: 0.9,
  recommendations: [{ name: 'a', action: 'restart' }],
};
export const ready = (extra: Record<string, unknown> = {}) => ({
  phase: 'Ready',
  investigationResult: investigation,
  ...extra,
});

/** The active phases a test can drive a fresh request into, in order. */
export type Reachable = 'Processing' | 'Analyzing' | 'AwaitingApproval' | 'WorkflowPlanning' | 'Executing';

export type Harness = ReturnType<typeof harness>;

/** A machine on `rr` (a new request) or on an existing cluster (a restart), its clock at `now`. */
export function harness(
  rr: RemediationRequest | MemoryCluster = request(),
  settings: Settings = testSettings,
  now: number = T0,
) {
  const cluster = rr instanceof MemoryCluster ? rr : new MemoryCluster(rr);
  const clock = new SimulatedClock();
  clock.set(now);
  // Read at each call: a test may replace `cluster.apply` to script the API server's answers.
  const machine = runtimeMachine({
    applyEffects: (batch) => cluster.apply(batch),
    retryBackoff: testBackoff,
  });
  const actor = createActor(machine, {
    input: { observed: cluster.snapshot(), settings, now: clock.now() },
    clock,
  });
  const name = cluster.rr.metadata?.name ?? '';
  const h = {
    cluster,
    clock,
    actor,
    settings,
    /** `<rr>-<suffix>`: the name of a child. */
    child: (suffix: string) => `${name}-${suffix}`,
    phase: () => actor.getSnapshot().context.ledger.phase,
    context: () => actor.getSnapshot().context,
    /** The state of a region: 'phase' (e.g. "Released", or { active: "Executing" }) or 'sync'. */
    region: (r: 'phase' | 'sync') => actor.getSnapshot().value[r],
    status: () => cluster.rr.status ?? {},
    notificationTypes: () => cluster.ofKind('NotificationRequest').map((n) => n.spec.type),
    /** Waits until the sync region has nothing more to write (or is backing off). */
    async settle(): Promise<void> {
      for (let i = 0; i < 10_000; i++) {
        const s = actor.getSnapshot();
        if (s.status !== 'active' || !s.matches({ sync: 'applying' })) return;
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
    async childStatus(childName: string, status: Record<string, unknown>): Promise<void> {
      cluster.setChildStatus(childName, status);
      await h.observe();
    },
    async patchRequest(patch: (rr: RemediationRequest) => RemediationRequest): Promise<void> {
      cluster.patchRequest(patch);
      await h.observe();
    },
    /** Sets the annotation remediation.kubernaut.ai/cancel: "true". */
    async cancel(): Promise<void> {
      await h.patchRequest((rr) => ({
        ...rr,
        metadata: {
          ...rr.metadata,
          annotations: { ...rr.metadata?.annotations, [CANCEL_ANNOTATION]: 'true' },
        },
      }));
    },
    /** `kubectl delete`: the API server sets deletionTimestamp while the finalizer holds it. */
    async markDeleted(): Promise<void> {
      await h.patchRequest((rr) => ({
        ...rr,
        metadata: { ...rr.metadata, deletionTimestamp: new Date(clock.now()) },
      }));
    },
    /** Drives a fresh request into `target` with the children answering at once (plan: `steps`). */
    async reach(target: Reachable, steps: StepSpec[] = [{ name: 'a' }]): Promise<void> {
      const order: Reachable[] = [
        'Processing',
        'Analyzing',
        'AwaitingApproval',
        'WorkflowPlanning',
        'Executing',
      ];
      const want = (p: Reachable) => order.indexOf(target) >= order.indexOf(p);
      await h.settle();
      await h.observe();
      if (want('Analyzing'))
        await h.childStatus(h.child('processing'), { phase: 'Completed', enrichedData: { replicas: 3 } });
      if (want('AwaitingApproval') && target === 'AwaitingApproval')
        await h.childStatus(h.child('aianalysis'), approving);
      if (want('WorkflowPlanning')) await h.childStatus(h.child('aianalysis'), ready());
      if (want('Executing')) await h.childStatus(h.child('workflow'), planned(steps));
      if (h.phase() !== target) throw new Error(`reach(${target}) ended in ${h.phase()}`);
    },
  };
  actor.start();
  return h;
}

/** Lets promises and their continuations run until an actor running on its own has nothing more to do. */
export async function flush(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** The orchestrator restarts `afterMs` later: a new machine on the same objects, the old one stopped. */
export function restarted(h: Harness, afterMs = 0): Harness {
  h.actor.stop();
  return harness(h.cluster.clone(), h.settings, h.clock.now() + afterMs);
}
