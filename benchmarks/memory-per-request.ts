// Heap per request: live actors (active requests) versus passivated terminal requests, through the
// real Supervisor with an in-memory effect executor. Run: node --expose-gc --import tsx benchmarks/memory-per-request.ts [N]
import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { SimulatedClock } from 'xstate';
import type { EffectBatch, EffectResult } from '../src/actors/effects.js';
import type { Observed } from '../src/actors/observed.js';
import type { RemediationRequest } from '../src/api/index.js';
import { Supervisor, type SupervisorLog } from '../src/supervisor/index.js';

const N = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const silent: SupervisorLog = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const settings = {
  timeouts: {
    global: 3.6e6,
    processing: 9e5,
    analyzing: 9e5,
    awaitingApproval: 9e5,
    workflowPlanning: 9e5,
    executing: 1.8e6,
  },
  retentionMs: 8.64e7,
  channels: ['slack'],
  historyLimit: 50,
  progressIntervalMs: 1000,
};

type BenchPhase = 'Processing' | 'Executing' | 'Completed';
const T = new Date(Date.UTC(2026, 10, 26, 10)).toISOString();
const STEPS = ['s1', 's2', 's3'];
const ACTIVE_PATH: Record<Exclude<BenchPhase, 'Completed'>, string[]> = {
  Processing: ['Pending', 'Initializing', 'Processing'],
  Executing: ['Pending', 'Initializing', 'Processing', 'Analyzing', 'WorkflowPlanning', 'Executing'],
};

function request(i: number, phase: BenchPhase): RemediationRequest {
  const t = T;
  const name = `rr-${i}`;
  const ref = (suffix: string) => ({
    name: `${name}-${suffix}`,
    namespace: 'bench',
    uid: `uid-${name}-${suffix}`,
  });
  const terminal = phase === 'Completed';
  const path = terminal ? ACTIVE_PATH.Processing : ACTIVE_PATH[phase];
  const history: { phase: string; enteredAt: string; exitedAt?: string; reason?: string }[] = path.map(
    (p, k) => (k < path.length - 1 ? { phase: p, enteredAt: t, exitedAt: t } : { phase: p, enteredAt: t }),
  );
  const executing =
    phase === 'Executing'
      ? {
          remediationProcessingRef: ref('processing'),
          aiAnalysisRef: ref('aianalysis'),
          workflowExecutionRef: ref('workflow'),
          kubernetesExecutionRefs: STEPS.map((step) => ({ step, ...ref(`step-${step}`), phase: 'Running' })),
          stepsTotal: STEPS.length,
          stepsCompleted: 0,
          stepsFailed: 0,
        }
      : {};
  return {
    apiVersion: 'remediation.kubernaut.ai/v1alpha1',
    kind: 'RemediationRequest',
    metadata: {
      name,
      namespace: 'bench',
      uid: `uid-${i}`,
      resourceVersion: String(1000 + i),
      finalizers: ['remediation.kubernaut.ai/finalizer'],
      generation: 1,
    },
    spec: {
      targetingData: {
        signalFingerprint: `fp-${i}`,
        alertName: 'HighMemoryUsage',
        environment: 'production',
        severity: 'critical',
      },
    },
    status: {
      phase,
      startTime: t,
      phaseStartTime: t,
      ...executing,
      phaseHistory: terminal
        ? [
            ...history.slice(0, 2),
            { ...history[2]!, exitedAt: t },
            { phase: 'Completed', enteredAt: t, exitedAt: t, reason: 'Succeeded' },
          ]
        : history,
      ...(terminal
        ? {
            completionTime: t,
            retentionExpiryTime: new Date(Date.UTC(2026, 10, 27, 10)).toISOString(),
            success: true,
            reason: 'Succeeded',
            notificationRefs: [
              { type: 'success' as const, name: `rr-${i}-success`, namespace: 'bench', uid: `nr-${i}` },
            ],
          }
        : {}),
    },
  };
}

/** The children of a request as the informer caches hold them: built once, shared by every view. */
function children(rr: RemediationRequest, phase: BenchPhase): Omit<Observed, 'rr'> {
  const name = rr.metadata!.name!;
  const owner = [
    {
      apiVersion: rr.apiVersion,
      kind: rr.kind,
      name,
      uid: rr.metadata!.uid!,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  const meta = (suffix: string) => ({
    name: `${name}-${suffix}`,
    namespace: 'bench',
    uid: `uid-${name}-${suffix}`,
    resourceVersion: '1',
    generation: 1,
    ownerReferences: owner,
    labels: { 'remediation.kubernaut.ai/remediation-request': name },
  });
  const parent = { name, namespace: 'bench', uid: rr.metadata!.uid! };
  if (phase === 'Processing')
    return {
      processing: {
        kind: 'RemediationProcessing',
        metadata: { name: `${name}-processing`, resourceVersion: '1' },
        spec: {},
      } as never,
      executions: {},
      notifications: {},
    };
  if (phase === 'Completed') return { executions: {}, notifications: {} };
  const steps = STEPS.map((s) => ({
    name: s,
    action: 'restart-pods',
    parameters: { namespace: 'prod', deployment: 'api' },
    dependsOn: [] as string[],
  }));
  return {
    processing: {
      apiVersion: 'remediation.kubernaut.ai/v1alpha1',
      kind: 'RemediationProcessing',
      metadata: meta('processing'),
      spec: { remediationRequestRef: parent, targetingData: rr.spec.targetingData },
      status: {
        phase: 'Completed',
        enrichedData: { replicas: 3, owner: 'deployment/api', recentRestarts: 4 },
      },
    } as never,
    analysis: {
      apiVersion: 'remediation.kubernaut.ai/v1alpha1',
      kind: 'AIAnalysis',
      metadata: meta('aianalysis'),
      spec: { remediationRequestRef: parent },
      status: {
        phase: 'Ready',
        investigationResult: {
          rootCause: 'memory leak in api',
          confidence: 0.9,
          recommendations: [{ name: 'restart', action: 'restart-pods' }],
        },
      },
    } as never,
    workflow: {
      apiVersion: 'remediation.kubernaut.ai/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: meta('workflow'),
      spec: { remediationRequestRef: parent, recommendations: [{ name: 'restart', action: 'restart-pods' }] },
      status: { phase: 'Planned', plan: { steps } },
    } as never,
    executions: Object.fromEntries(
      steps.map((step) => [
        step.name,
        {
          apiVersion: 'remediation.kubernaut.ai/v1alpha1',
          kind: 'KubernetesExecution',
          metadata: meta(`step-${step.name}`),
          spec: {
            remediationRequestRef: parent,
            workflowExecutionRef: { name: `${name}-workflow`, namespace: 'bench' },
            step,
          },
          status: { phase: 'Running', startTime: T },
        } as never,
      ]),
    ),
    notifications: {},
  };
}

/** Builds a supervisor over N requests in `phase`; the store answers every write as accepted. */
async function measure(
  phase: BenchPhase,
): Promise<{ bytesPerRequest: number; running: number; passivated: number }> {
  const store = new Map<string, RemediationRequest>();
  const cached = new Map<string, Omit<Observed, 'rr'>>();
  for (let i = 0; i < N; i++) {
    const rr = request(i, phase);
    store.set(`uid-${i}`, rr);
    cached.set(`uid-${i}`, children(rr, phase));
  }
  const clock = new SimulatedClock();
  clock.set(Date.UTC(2026, 10, 26, 10, 1));
  const view = (ref: { uid: string }): Observed | undefined => {
    const rr = store.get(ref.uid);
    return rr && { rr, ...cached.get(ref.uid)! };
  };
  const apply = async (batch: EffectBatch): Promise<EffectResult> => {
    const rr = store.get(batch.request.uid)!;
    const created = batch.creates.map((c) => ({
      ...c.body,
      metadata: { ...c.body.metadata, uid: `uid-${c.name}`, resourceVersion: '1' },
    }));
    if (batch.status) {
      const next = {
        ...rr,
        metadata: { ...rr.metadata, resourceVersion: String(Number(rr.metadata?.resourceVersion) + 1) },
        status: batch.status.status,
      };
      store.set(batch.request.uid, next);
      return {
        objects: [...created, next],
        absent: [],
        eventsSent: batch.events.length,
        writtenStatus: batch.status.status,
      };
    }
    return { objects: created, absent: [], eventsSent: batch.events.length };
  };
  gc!();
  const before = process.memoryUsage().heapUsed;
  const supervisor = new Supervisor({
    clock,
    settings,
    retryBackoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    restartBackoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    maxRestarts: 3,
    recentlyFinishedSize: N * 2,
    view,
    applyEffects: apply,
    deleteRequest: async () => {},
    log: silent,
  });
  supervisor.start([...store.values()]);
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  gc!();
  const after = process.memoryUsage().heapUsed;
  const counts = supervisor.counts;
  const result = {
    phase: [...new Set([...store.values()].map((rr) => rr.status?.phase))].join(','),
    bytesPerRequest: Math.round((after - before) / N),
    running: counts.running,
    passivated: counts.passivated,
  };
  supervisor.stop();
  return result;
}

const active = await measure('Processing');
const executing = await measure('Executing');
const terminal = await measure('Completed');
const result = {
  benchmark: 'memory-per-request',
  date: new Date().toISOString(),
  machine: { cores: cpus().length, memoryBytes: totalmem(), node: process.version },
  commit: execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(),
  requests: N,
  activeActor: active,
  executingActor: executing,
  passivatedTerminal: terminal,
  note: 'heap bytes per request held by the supervisor and its actors, excluding the informer caches (which hold every object in any case)',
};
console.log(JSON.stringify(result, null, 2));
writeFileSync(
  new URL(`results/memory-per-request-${result.date.slice(0, 10)}.json`, import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
