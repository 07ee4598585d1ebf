// Bounded memory: the orchestrator completes N requests (5,000 by default) with --retention=1s, so
// each is deleted a second after it ends; once all are gone its heap after a forced collection is
// compared with the heap at start. Everything a request leaves on the server (its NotificationRequest,
// which is not owned and outlives it; its working children where no garbage collector runs) must
// leave the caches with it.
// The orchestrator runs in this process (so that its caches can be read and gc() forced), against a
// local control plane without kube-controller-manager by default (so the working children stay on
// the server too: `--garbage-collector` starts it), and the simulator as a process of its own
// (dist/sim/main.js, zero delays).
// Run: npx node --expose-gc --import tsx benchmarks/heap-after-retention.ts [--count 5000] [--warmup 200]
//        [--garbage-collector] [--out FILE] [--snapshots DIR]
import { writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { API_VERSION, KINDS, type KindName } from '../src/api/index.js';
import { defaultConfig } from '../src/config.js';
import { KubeHttp } from '../src/k8s/kube-http.js';
import { createLogger, createMetrics } from '../src/observability/index.js';
import { buildOrchestrator } from '../src/orchestrator.js';
import { startControlPlane } from '../src/testing/index.js';
import { systemClock } from '../src/util/clock.js';
import { gitInfo, machineInfo } from './lib/environment.js';
import { buildDist, startSimulatorProcess } from './lib/processes.js';
import { requestBody } from './lib/load.js';
import { SCENARIOS } from './lib/scenarios.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
    'garbage-collector': { type: 'boolean', default: false },
    out: { type: 'string' },
    // Also writes heap snapshots at start, after warm-up and at the end into this directory, for
    // finding what grew (object ids are stable between them). Not for a recorded run.
    snapshots: { type: 'string' },
  },
});
const N = Number(args.count);
const WARMUP = Math.min(Number(args.warmup), N);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const NAMESPACE = 'heap-after-retention';
const MiB = 2 ** 20;
const mib = (bytes: number): number => Math.round((bytes / MiB) * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Heap in use after two full collections, and RSS. */
function heapAfterGc() {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heapUsedBytes: m.heapUsed, heapUsedMiB: mib(m.heapUsed), rssMiB: mib(m.rss) };
}

const requestPath = `/apis/${KINDS.RemediationRequest.group}/${API_VERSION}/namespaces/${NAMESPACE}/${KINDS.RemediationRequest.plural}`;
const nameOf = (i: number): string => `heap-${String(i).padStart(5, '0')}`;

/** Creates requests [from, to), `concurrency` at a time, retrying a failed create. */
async function createRange(http: KubeHttp, from: number, to: number, concurrency: number): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const i = next++;
      const name = nameOf(i);
      for (let attempt = 0; ; attempt++) {
        try {
          await http.request('POST', requestPath, { body: requestBody(name, i) });
          break;
        } catch (err) {
          if ((err as { httpStatus?: number }).httpStatus === 409) break;
          if (attempt >= 20) throw err;
          await sleep(250 * 2 ** Math.min(attempt, 5));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
}

/** Objects of `kind` on the server in the namespace (one page of 1 and its remainingItemCount). */
async function countOnServer(http: KubeHttp, kind: KindName): Promise<number> {
  const { group, plural } = KINDS[kind];
  const list = await http.request<{ items: unknown[]; metadata?: { remainingItemCount?: number } }>(
    'GET',
    `/apis/${group}/${API_VERSION}/namespaces/${NAMESPACE}/${plural}`,
    { query: { limit: 1 } },
  );
  return list.items.length + (list.metadata?.remainingItemCount ?? 0);
}

const started = new Date();
if (!args['garbage-collector']) log('control plane without kube-controller-manager: children stay');
const plane = await startControlPlane({
  installCrds: true,
  controllerManager: args['garbage-collector'],
  log,
});
let result: Record<string, unknown>;
try {
  const kc = plane.kubeConfig;
  const http = new KubeHttp(kc);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
  await buildDist();
  const simulator = await startSimulatorProcess(
    plane.kubeconfigPath,
    NAMESPACE,
    SCENARIOS.zero!,
    join(tmpdir(), `heap-after-retention-simulator-${process.pid}.log`),
    'dist',
  );

  const config = defaultConfig();
  config.kube.namespaces = [NAMESPACE];
  config.retention.afterCompletionMs = 1000;
  const metrics = createMetrics();
  const orchestrator = buildOrchestrator({
    kubeConfig: kc,
    config,
    clock: systemClock,
    logger: createLogger({ level: 'silent' }),
    metrics,
  });
  await orchestrator.start();
  const caches = orchestrator.caches;
  /** What else could hold memory per request: actors, the storm-protection index. */
  const held = () => ({
    caches: caches.sizes(),
    actors: orchestrator.supervisor.counts,
    requestIndexEntries: caches.requestIndex.size,
    writer: {
      inFlight: orchestrator.writer.inFlightCount,
      queued: orchestrator.writer.queueDepth,
      concurrencyLimit: orchestrator.writer.concurrencyLimit,
    },
  });
  const snapshot = (stage: string): void => {
    if (args.snapshots)
      log(`heap snapshot ${writeHeapSnapshot(join(args.snapshots, `${stage}.heapsnapshot`))}`);
  };
  const ended = async (): Promise<number> =>
    (await metrics.outcomes.get()).values.reduce((sum, v) => sum + v.value, 0);

  /**
   * Waits until `done` requests have ended, every request is gone from the cache, and the writer is
   * idle: the Events wait behind every other write, so the last of them go out after the requests.
   */
  const settle = async (done: number, what: string): Promise<void> => {
    for (let last = 0; ;) {
      const finished = await ended();
      const inCache = caches.sizes().objects.RemediationRequest;
      const writes = orchestrator.writer.inFlightCount + orchestrator.writer.queueDepth;
      if (finished >= done && inCache === 0 && writes === 0) return;
      if (Date.now() - last > 30_000) {
        last = Date.now();
        const h = process.memoryUsage();
        log(
          `${what}: ${finished}/${done} ended, ${inCache} requests in the cache, ${writes} writes ` +
            `in flight or waiting, heap ${mib(h.heapUsed)} MiB`,
        );
      }
      await sleep(500);
    }
  };
  /** Waits until no child waits for its request (the grace period of src/cluster/child-retention.ts). */
  const orphansGone = async (): Promise<void> => {
    while (caches.sizes().orphansWaiting > 0) await sleep(1000);
  };

  const atStart = { ...heapAfterGc(), ...held() };
  snapshot('start');
  log(`start: heap ${atStart.heapUsedMiB} MiB after gc`);

  await createRange(http, 0, WARMUP, Number(args.concurrency));
  await settle(WARMUP, 'warm-up');
  await orphansGone();
  const afterWarmup = { ...heapAfterGc(), ...held(), requestsEnded: await ended() };
  snapshot('after-warmup');
  log(`after ${WARMUP} requests (warm-up): heap ${afterWarmup.heapUsedMiB} MiB after gc`);

  const t0 = performance.now();
  let peakHeap = 0;
  let peakRequests = 0;
  let peakWritesWaiting = 0;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    peakRequests = Math.max(peakRequests, caches.sizes().objects.RemediationRequest);
    peakWritesWaiting = Math.max(peakWritesWaiting, orchestrator.writer.queueDepth);
  }, 1000);
  await createRange(http, WARMUP, N, Number(args.concurrency));
  await settle(N, 'run');
  const drainedSeconds = Math.round((performance.now() - t0) / 100) / 10;
  clearInterval(sampler);
  const beforeGrace = held();
  await orphansGone();
  const atEnd = { ...heapAfterGc(), ...held(), requestsEnded: await ended() };
  snapshot('end');
  log(`end: heap ${atEnd.heapUsedMiB} MiB after gc`);

  const onServer = Object.fromEntries(
    await Promise.all(
      (Object.keys(KINDS) as KindName[]).map(async (k) => [k, await countOnServer(http, k)] as const),
    ),
  );
  const outcomes = Object.fromEntries(
    (await metrics.outcomes.get()).values.map((v) => [`${v.labels.phase}/${v.labels.reason}`, v.value]),
  );
  const events = {
    created: (await metrics.apiRequests.get()).values
      .filter((v) => v.labels.kind === 'Event' && v.labels.code === '201')
      .reduce((sum, v) => sum + v.value, 0),
    droppedUnsent: (await metrics.eventsDropped.get()).values.reduce((sum, v) => sum + v.value, 0),
  };
  await orchestrator.stop();
  await simulator.stop();

  result = {
    benchmark: 'heap-after-retention',
    date: started.toISOString(),
    machine: machineInfo(),
    git: gitInfo(),
    settings: {
      requests: N,
      warmupRequests: WARMUP,
      retention: '1s',
      createConcurrency: Number(args.concurrency),
      scenario: 'zero',
      garbageCollector: args['garbage-collector'],
      orchestrator: 'in this process (node --expose-gc --import tsx), defaultConfig() but retention',
    },
    outcomes,
    drainSeconds: drainedSeconds,
    peak: { heapUsedMiB: mib(peakHeap), requestsInCache: peakRequests, writesWaiting: peakWritesWaiting },
    events,
    heap: {
      atStart,
      afterWarmup,
      atEnd,
      heldBeforeGraceOver: beforeGrace,
      growthSinceStartMiB: mib(atEnd.heapUsedBytes - atStart.heapUsedBytes),
      growthSinceWarmupMiB: mib(atEnd.heapUsedBytes - afterWarmup.heapUsedBytes),
      bytesPerRequestSinceWarmup: Math.round(
        (atEnd.heapUsedBytes - afterWarmup.heapUsedBytes) / Math.max(1, N - WARMUP),
      ),
    },
    leftOnServer: onServer,
    note:
      'heap used after two forced full collections (gc()), of this process: the orchestrator, its caches ' +
      'and the driver; at start = after the caches synced on an empty namespace; after warm-up = after the ' +
      'first requests completed and were deleted (lazily loaded code and JIT included); at end = after all ' +
      'were deleted, the writer was idle (the Events go out last) and no child waited for its request any more. leftOnServer: what the run left in the ' +
      'namespace, which the caches before this change kept',
  };
} finally {
  await plane.stop();
}
console.log(JSON.stringify(result, null, 2));
const out =
  args.out ??
  new URL(`results/heap-after-retention-${started.toISOString().slice(0, 10)}.json`, import.meta.url)
    .pathname;
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
log(`wrote ${out}`);
