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
const settings = { timeouts: { global: 3.6e6, processing: 9e5, analyzing: 9e5, awaitingApproval: 9e5, workflowPlanning: 9e5, executing: 1.8e6 }, retentionMs: 8.64e7, channels: ['slack'], historyLimit: 50, progressIntervalMs: 1000 };

function request(i: number, phase: 'Processing' | 'Completed'): RemediationRequest {
  const t = new Date(Date.UTC(2026, 10, 26, 10)).toISOString();
  const history = [{ phase: 'Pending', enteredAt: t, exitedAt: t }, { phase: 'Initializing', enteredAt: t, exitedAt: t }, { phase: 'Processing', enteredAt: t }];
  const terminal = phase === 'Completed';
  return {
    apiVersion: 'remediation.kubernaut.ai/v1alpha1',
    kind: 'RemediationRequest',
    metadata: { name: `rr-${i}`, namespace: 'bench', uid: `uid-${i}`, resourceVersion: String(1000 + i), finalizers: ['remediation.kubernaut.ai/finalizer'], generation: 1 },
    spec: { targetingData: { signalFingerprint: `fp-${i}`, alertName: 'HighMemoryUsage', environment: 'production', severity: 'critical' } },
    status: {
      phase,
      startTime: t,
      phaseStartTime: t,
      phaseHistory: terminal ? [...history.slice(0, 2), { ...history[2]!, exitedAt: t }, { phase: 'Completed', enteredAt: t, exitedAt: t, reason: 'Succeeded' }] : history,
      ...(terminal
        ? { completionTime: t, retentionExpiryTime: new Date(Date.UTC(2026, 10, 27, 10)).toISOString(), success: true, reason: 'Succeeded', notificationRefs: [{ type: 'success' as const, name: `rr-${i}-success`, namespace: 'bench', uid: `nr-${i}` }] }
        : {}),
    },
  };
}

/** Builds a supervisor over N requests in `phase`; the store answers every write as accepted. */
async function measure(phase: 'Processing' | 'Completed'): Promise<{ bytesPerRequest: number; running: number; passivated: number }> {
  const store = new Map<string, RemediationRequest>();
  for (let i = 0; i < N; i++) store.set(`uid-${i}`, request(i, phase));
  const clock = new SimulatedClock();
  clock.set(Date.UTC(2026, 10, 26, 10, 1));
  const view = (ref: { uid: string }): Observed | undefined => {
    const rr = store.get(ref.uid);
    return rr && { rr, processing: phase === 'Processing' ? ({ kind: 'RemediationProcessing', metadata: { name: `${rr.metadata?.name}-processing`, resourceVersion: '1' }, spec: {} } as never) : undefined, executions: {}, notifications: {} };
  };
  const apply = async (batch: EffectBatch): Promise<EffectResult> => {
    const rr = store.get(batch.request.uid)!;
    const created = batch.creates.map((c) => ({ ...c.body, metadata: { ...c.body.metadata, uid: `uid-${c.name}`, resourceVersion: '1' } }));
    if (batch.status) {
      const next = { ...rr, metadata: { ...rr.metadata, resourceVersion: String(Number(rr.metadata?.resourceVersion) + 1) }, status: batch.status.status };
      store.set(batch.request.uid, next);
      return { objects: [...created, next], absent: [], eventsSent: batch.events.length, writtenStatus: batch.status.status };
    }
    return { objects: created, absent: [], eventsSent: batch.events.length };
  };
  gc!();
  const before = process.memoryUsage().heapUsed;
  const supervisor = new Supervisor({ clock, settings, retryBackoff: { initialMs: 100, maxMs: 1000, jitter: 0 }, restartBackoff: { initialMs: 100, maxMs: 1000, jitter: 0 }, maxRestarts: 3, recentlyFinishedSize: N * 2, view, applyEffects: apply, deleteRequest: async () => {}, log: silent });
  supervisor.start([...store.values()]);
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  gc!();
  const after = process.memoryUsage().heapUsed;
  const counts = supervisor.counts;
  const result = { bytesPerRequest: Math.round((after - before) / N), running: counts.running, passivated: counts.passivated };
  supervisor.stop();
  return result;
}

const active = await measure('Processing');
const terminal = await measure('Completed');
const result = {
  benchmark: 'memory-per-request',
  date: new Date().toISOString(),
  machine: { cores: cpus().length, memoryBytes: totalmem(), node: process.version },
  commit: execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(),
  requests: N,
  activeActor: active,
  passivatedTerminal: terminal,
  note: 'heap bytes per request held by the supervisor and its actors, excluding the informer caches (which hold every object in any case)',
};
console.log(JSON.stringify(result, null, 2));
writeFileSync(new URL(`results/memory-per-request-${result.date.slice(0, 10)}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
