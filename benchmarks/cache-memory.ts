// Heap of the informer caches per request, with and without the projection of src/cluster/projection.ts,
// and the idle RSS of the orchestrator built (dist/main.js) versus run through tsx.
// One remediation runs on a local control plane (the orchestrator and the simulator in-process), its
// eight objects are read back as the API server sends them (managedFields included), and N clones
// with unique names and uids fill the caches' informers through their list path.
// Run: npm run build && node --expose-gc --max-old-space-size=4096 --import tsx benchmarks/cache-memory.ts [N]
import { execSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, KINDS, apiVersionOf, type KindName } from '../src/api/index.js';
import { defaultConfig } from '../src/config.js';
import { Caches, OWNER_INDEX } from '../src/cluster/caches.js';
import { ownerUid } from '../src/cluster/owner.js';
import { Informer, type KubeObject } from '../src/k8s/informer.js';
import {
  projectAnalysis,
  projectExecution,
  projectNotification,
  projectProcessing,
  projectRequest,
  projectWorkflow,
} from '../src/cluster/projection.js';
import { createLogger, createMetrics } from '../src/observability/index.js';
import { buildOrchestrator } from '../src/orchestrator.js';
import { startSimulator } from '../src/sim/index.js';
import { startControlPlane, type ControlPlane } from '../src/testing/index.js';
import { freePort } from '../src/testing/processes.js';
import { systemClock } from '../src/util/clock.js';
import { SCENARIOS } from './lib/scenarios.js';
import { parsePrometheus, scrape } from './lib/metrics.js';
import { readProc } from './lib/proc.js';

const N = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const root = fileURLToPath(new URL('../', import.meta.url));
const NAMESPACE = 'cache-memory';
const IDLE_NAMESPACE = 'cache-memory-idle';
/** Fixed width, so that every clone's strings are as long as the captured ones. */
const nameOf = (i: number): string => `rr-${String(i).padStart(7, '0')}`;
const KIND_NAMES = Object.keys(KINDS) as KindName[];
const PROJECTIONS: Record<KindName, (o: never) => KubeObject> = {
  RemediationRequest: projectRequest,
  RemediationProcessing: projectProcessing,
  AIAnalysis: projectAnalysis,
  WorkflowExecution: projectWorkflow,
  KubernetesExecution: projectExecution,
  NotificationRequest: projectNotification,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

type Captured = Record<KindName, KubeObject[]>;

async function listAll(kc: KubeConfig): Promise<Captured> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const out = {} as Captured;
  for (const kind of KIND_NAMES) {
    const list = (await api.listNamespacedCustomObject({
      group: KINDS[kind].group,
      version: API_VERSION,
      plural: KINDS[kind].plural,
      namespace: NAMESPACE,
    })) as { items: KubeObject[] };
    out[kind] = list.items;
  }
  return out;
}

const finished = (c: Captured): boolean =>
  (c.RemediationRequest[0] as { status?: { phase?: string } } | undefined)?.status?.phase === 'Completed' &&
  c.NotificationRequest.length === 1 &&
  c.KubernetesExecution.length === 3 &&
  [...c.KubernetesExecution, ...c.NotificationRequest].every((o) =>
    ['Completed', 'Sent'].includes((o as { status?: { phase?: string } }).status?.phase ?? ''),
  );

/** One remediation with the benchmark's request and its zero-delay scenario, read back once settled. */
async function captureOneRemediation(plane: ControlPlane): Promise<Captured> {
  const kc = plane.kubeConfig;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
  const config = defaultConfig();
  config.kube.namespaces = [NAMESPACE];
  const orchestrator = buildOrchestrator({
    kubeConfig: kc,
    config,
    clock: systemClock,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
  });
  await orchestrator.start();
  const simulator = await startSimulator({
    kubeConfig: kc,
    namespaces: [NAMESPACE],
    defaultScenario: SCENARIOS.zero,
  });
  try {
    const rr = KINDS.RemediationRequest;
    const name = nameOf(0);
    const targetingData = {
      signalFingerprint: `bench:${name}`,
      alertName: 'HighMemoryUsage',
      environment: 'production',
      severity: 'critical',
      namespace: 'payments',
      resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'payment-api', namespace: 'payments' },
      labels: { team: 'payments' },
    };
    await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: rr.group,
      version: API_VERSION,
      plural: rr.plural,
      namespace: NAMESPACE,
      body: {
        apiVersion: apiVersionOf('RemediationRequest'),
        kind: rr.kind,
        metadata: { name },
        spec: { targetingData },
      },
    });
    for (let waited = 0; waited < 60_000; waited += 250) {
      const objects = await listAll(kc);
      if (finished(objects)) return objects;
      await sleep(250);
    }
    throw new Error('the remediation did not finish within 60 s');
  } finally {
    await simulator.stop();
    await orchestrator.stop();
  }
}

/** Every object's JSON with its request's name and every uid replaced per clone, parsed afresh (no shared strings). */
function cloner(captured: Captured): (kind: KindName, i: number) => KubeObject[] {
  const uids = KIND_NAMES.flatMap((k) => captured[k].map((o) => o.metadata?.uid ?? ''));
  const token = new RegExp(
    [nameOf(0), ...uids].map((t) => t.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|'),
    'g',
  );
  const templates = Object.fromEntries(
    KIND_NAMES.map((k) => [k, captured[k].map((o) => JSON.stringify(o))]),
  ) as Record<KindName, string[]>;
  return (kind, i) => {
    const suffix = String(i).padStart(12, '0');
    return templates[kind].map(
      (t) =>
        JSON.parse(
          t.replace(token, (m) => (m === nameOf(0) ? nameOf(i) : `${m.slice(0, 24)}${suffix}`)),
        ) as KubeObject,
    );
  };
}

/**
 * The list path of an informer (what a relist stores): the transform (applied per page by listAll),
 * the store, the owner index. replace() alone does not transform: the transform must be applied here.
 */
function fill(informer: Informer<KubeObject>, items: KubeObject[]): void {
  const internals = informer as unknown as {
    transformed(o: KubeObject): KubeObject;
    replace(items: KubeObject[]): void;
  };
  internals.replace(items.map((o) => internals.transformed(o)));
}

function offlineKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'none', server: 'http://127.0.0.1:9' }],
    users: [{ name: 'none' }],
    contexts: [{ name: 'none', cluster: 'none', user: 'none' }],
    currentContext: 'none',
  });
  return kc;
}

/** The informers as src/cluster/caches.ts built them before the projection: the same owner index, full objects. */
function unprojectedInformers(kc: KubeConfig): Record<KindName, Informer<KubeObject>> {
  return Object.fromEntries(
    KIND_NAMES.map((kind) => [
      kind,
      new Informer<KubeObject>({
        kubeConfig: kc,
        resource: {
          group: KINDS[kind].group,
          version: API_VERSION,
          plural: KINDS[kind].plural,
          namespace: NAMESPACE,
        },
        clock: systemClock,
        backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
        indexers:
          kind === 'RemediationRequest'
            ? undefined
            : {
                [OWNER_INDEX]: (o) => {
                  const uid = ownerUid(o);
                  return uid ? [uid] : [];
                },
              },
      }),
    ]),
  ) as Record<KindName, Informer<KubeObject>>;
}

function projectedInformers(kc: KubeConfig): Record<KindName, Informer<KubeObject>> {
  const caches = new Caches({
    kubeConfig: kc,
    clock: systemClock,
    backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    pageSize: 500,
    namespaces: [NAMESPACE],
  });
  const one = (c: { informers: readonly unknown[] }): Informer<KubeObject> =>
    c.informers[0] as Informer<KubeObject>;
  return {
    RemediationRequest: one(caches.requests),
    RemediationProcessing: one(caches.processings),
    AIAnalysis: one(caches.analyses),
    WorkflowExecution: one(caches.workflows),
    KubernetesExecution: one(caches.executions),
    NotificationRequest: one(caches.notifications),
  };
}

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes per request the informers hold once N requests' objects are listed, kind by kind. */
function measureCaches(
  build: () => Record<KindName, Informer<KubeObject>>,
  clone: (kind: KindName, i: number) => KubeObject[],
) {
  const before = heapUsed();
  const informers = build();
  const perKind = {} as Record<KindName, number>;
  let last = heapUsed();
  for (const kind of KIND_NAMES) {
    const items: KubeObject[] = [];
    for (let i = 0; i < N; i++) items.push(...clone(kind, i));
    fill(informers[kind], items);
    items.length = 0;
    const now = heapUsed();
    perKind[kind] = Math.round((now - last) / N);
    last = now;
  }
  const objects = KIND_NAMES.reduce((sum, k) => sum + informers[k].size, 0);
  return {
    bytesPerRequest: Math.round((last - before) / N),
    heapMb: mb(last - before),
    objects,
    perKindBytesPerRequest: perKind,
  };
}

const jsonBytes = (o: unknown): number => Buffer.byteLength(JSON.stringify(o));

/** JSON bytes of one remediation's objects as sent, without managedFields, and projected. */
function jsonSizes(captured: Captured) {
  return Object.fromEntries(
    KIND_NAMES.map((kind) => {
      const objects = captured[kind];
      const withoutManagedFields = objects.map((o) => ({
        ...o,
        metadata: { ...o.metadata, managedFields: undefined },
      }));
      return [
        kind,
        {
          objects: objects.length,
          asSent: objects.reduce((s, o) => s + jsonBytes(o), 0),
          withoutManagedFields: withoutManagedFields.reduce((s, o) => s + jsonBytes(o), 0),
          projected: objects.reduce((s, o) => s + jsonBytes(PROJECTIONS[kind](o as never)), 0),
        },
      ];
    }),
  );
}

/** Starts the orchestrator as a process on an empty namespace; RSS and heap once it has idled 15 s after /readyz. */
async function idleRss(
  plane: ControlPlane,
  args: string[],
): Promise<{ command: string; rssMb: number; heapUsedMb: number } | { command: string; skipped: string }> {
  const command = `node ${args.join(' ')}`;
  if (!existsSync(`${root}${args.at(-1)}`))
    return { command, skipped: `${args.at(-1)} is missing: run npm run build first` };
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...args,
      `--kubeconfig=${plane.kubeconfigPath}`,
      `--namespaces=${IDLE_NAMESPACE}`,
      `--metrics-bind-address=127.0.0.1:${port}`,
      '--log-level=warn',
    ],
    { cwd: root, stdio: 'ignore' },
  );
  try {
    for (let waited = 0; ; waited += 200) {
      if (waited > 60_000) throw new Error(`${command}: not ready within 60 s`);
      const ready = await scrape(port, '/readyz', 1000).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      await sleep(200);
    }
    await sleep(15_000);
    const rss: number[] = [];
    for (let i = 0; i < 5; i++) {
      rss.push(readProc(child.pid!)?.rssBytes ?? 0);
      await sleep(1000);
    }
    const heap =
      parsePrometheus((await scrape(port)).body).find((s) => s.name === 'nodejs_heap_size_used_bytes')
        ?.value ?? 0;
    return { command, rssMb: mb(rss.sort((a, b) => a - b)[2]!), heapUsedMb: mb(heap) };
  } finally {
    child.kill('SIGTERM');
  }
}

const plane = await startControlPlane({ installCrds: true, log: (line) => console.error(line) });
let captured: Captured;
let idle: Awaited<ReturnType<typeof idleRss>>[];
try {
  captured = await captureOneRemediation(plane);
  // CACHE_MEMORY_CAPTURED=file: also writes the eight objects as read back, to look at what the caches hold.
  if (process.env.CACHE_MEMORY_CAPTURED)
    writeFileSync(process.env.CACHE_MEMORY_CAPTURED, `${JSON.stringify(captured, null, 2)}\n`);
  await plane.kubeConfig
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: IDLE_NAMESPACE } } });
  idle = [await idleRss(plane, ['dist/main.js']), await idleRss(plane, ['--import', 'tsx', 'src/main.ts'])];
} finally {
  await plane.stop();
}

const clone = cloner(captured);
const kc = offlineKubeConfig();
const unprojected = measureCaches(() => unprojectedInformers(kc), clone);
const projected = measureCaches(() => projectedInformers(kc), clone);
const result = {
  benchmark: 'cache-memory',
  date: new Date().toISOString(),
  machine: { cores: cpus().length, memoryBytes: totalmem(), node: process.version },
  commit: execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(),
  requests: N,
  objectsPerRequest: KIND_NAMES.reduce((s, k) => s + captured[k].length, 0),
  heap: {
    unprojected,
    projected,
    saved: {
      bytesPerRequest: unprojected.bytesPerRequest - projected.bytesPerRequest,
      factor: Number((unprojected.bytesPerRequest / projected.bytesPerRequest).toFixed(1)),
    },
  },
  jsonBytesPerRequest: jsonSizes(captured),
  idleOrchestrator: idle,
  note: 'heap used (after gc) by the informers of the six kinds holding N finished remediations (the request, processing, analysis, workflow, 3 steps, the success notification), as read back from kube-apiserver v1.35.4 and cloned with unique names and uids; unprojected = the informers as before src/cluster/projection.ts. idleOrchestrator: one process on an empty namespace, median of 5 RSS samples 15 s after /readyz',
};
console.log(JSON.stringify(result, null, 2));
writeFileSync(
  new URL(`results/cache-memory-${result.date.slice(0, 10)}.json`, import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
