// One benchmark run: a fresh namespace, the orchestrator and the simulator as processes, N requests
// created all at once (concurrency-limited) or at a steady rate, everything timed from outside on
// one monotonic clock (performance.now()), then the namespace deleted.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
} from '@kubernetes/client-node';
import { API_VERSION, KINDS, apiVersionOf, type KindName } from '../../src/api/index.js';
import { apiCallsBetween, scrapeSamples, sum, type Sample } from './metrics.js';
import { handoffs, Observer } from './observer.js';
import { findDescendant, ProcWatcher } from './proc.js';
import {
  buildDist,
  startOrchestrator,
  startSimulatorProcess,
  type BenchProcess,
  type RunFrom,
} from './processes.js';
import { summariseProfile, type ProfileSummary } from './profile.js';
import { Progress } from './progress.js';
import { resolveScenario, simulatedWorkMs } from './scenarios.js';
import { distribution, round, type Distribution } from './stats.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchmarkOptions {
  /** A label for the run, e.g. "burst-1000-zero". */
  name?: string;
  /** The kubeconfig of the cluster to use (run.ts starts a local control plane when none is given). */
  kubeconfigPath: string;
  /** Requests to create. */
  count: number;
  /** Requests created per second; all at once (limited only by createConcurrency) when absent. */
  rate?: number;
  /** A scenario name of scenarios.ts (zero, realistic) or a JSON override of the simulator's default. */
  scenario: string;
  /** The orchestrator's write rate limit and concurrency (its --qps, --burst, --max-concurrent-writes). */
  qps?: number;
  burst?: number;
  maxConcurrentWrites?: number;
  /** Creates in flight at once on the benchmark side. Default 32. */
  createConcurrency?: number;
  /** Give up waiting for the requests to finish after this long; the result says how many did. */
  timeoutMs?: number;
  /** How long to wait for the namespace to be deleted afterwards. */
  cleanupTimeoutMs?: number;
  /** Leave the namespace in place afterwards (for a control plane that is thrown away anyway:
   * deleting 10,000 requests and their 70,000 children takes minutes). Default false. */
  skipCleanup?: boolean;
  /** Live counters on stderr. Default true. */
  progress?: boolean;
  log?: (line: string) => void;
  /** Extra `node` flags for the orchestrator, e.g. `--max-old-space-size=256` (to see what its live
   * set needs rather than what V8 lets it grow to). */
  orchestratorNodeArgs?: string[];
  /** `dist` (default): compile src/ first and run the processes from dist/, as deployed; `source`: through tsx. */
  runFrom?: RunFrom;
  /** Run the orchestrator under `node --cpu-prof` and summarise where its CPU time went. */
  profile?: boolean;
  /** Where the processes' logs go. Default a fresh directory under the system's temp directory. */
  logDir?: string;
}

export interface ProcessFigures {
  pid: number | null;
  peakRssBytes: number | null;
  cpuSeconds: number | null;
  cpuMsPerRemediation: number | null;
}

export interface BenchmarkResult {
  schema: 1;
  name: string;
  date: string;
  machine: { cores: number; cpuModel: string; memoryBytes: number; node: string; platform: string };
  kubernetes: { version: string; local: boolean };
  git: { commit: string; dirty: boolean } | null;
  options: {
    count: number;
    rate: number | null;
    scenario: string;
    scenarioOverride: object;
    qps: number;
    burst: number;
    maxConcurrentWrites: number;
    createConcurrency: number;
    /** Extra node flags of the orchestrator (absent in results before 2026-11-26 afternoon). */
    orchestratorNodeArgs?: string[];
    /** How the processes ran (absent in results before 2026-11-26 evening: they ran from source). */
    runFrom?: RunFrom;
  };
  /** True when every request reached a terminal phase before the timeout. */
  complete: boolean;
  /** Why the run ended early, e.g. the orchestrator ran out of memory; its API figures are then from the last scrape (every 5 s). */
  failure?: string;
  counts: {
    requested: number;
    created: number;
    createErrors: number;
    pickedUp: number;
    finished: number;
    completed: number;
    otherTerminal: number;
    handoffs: number;
    /** Hand-offs whose cause the benchmark saw after the child (observer.ts, handoffs); no sample. Absent before 2026-11-27. */ handoffsReordered?: number;
    watchErrors: number;
  };
  simulatedWorkMs: number;
  latencyMs: {
    /** Create request sent -> first status phase observed. */
    pickup: Distribution | null;
    /** A child's done phase observed -> the next child's ADDED event observed. */
    handoff: Distribution | null;
    /** Create sent -> terminal phase observed. */
    endToEnd: Distribution | null;
    /** endToEnd minus the simulated work of the scenario's critical path. */
    overhead: Distribution | null;
    /** The create call itself (sent -> API server's answer). */
    createCall: Distribution | null;
  };
  throughput: {
    /** First create sent -> last terminal phase observed, seconds. */
    drainSeconds: number | null;
    /** First create sent -> last create answered, seconds. */
    createSeconds: number | null;
    achievedCreateRate: number | null;
    /** finished / drainSeconds. */
    overallPerSecond: number | null;
    /** Finishes between the 10th and 90th percentile of finish times, per second. */
    sustainedPerSecond: number | null;
    peakInFlight: number;
    /** Time-weighted mean of requests in flight while requests were still being created. */
    meanInFlightWhileCreating: number | null;
  };
  api: {
    /** remediation_api_requests_total during the run, by "verb kind", all codes. */
    calls: Record<string, number>;
    byCode: Record<string, number>;
    perRemediation: Record<string, number>;
    /** create/patch/update/delete of our own six kinds, per remediation. */
    writesPerRemediation: number;
    /** Kubernetes Events recorded, per remediation (reported apart from writes to our kinds). */
    eventWritesPerRemediation: number;
    readsPerRemediation: number;
    childCreatesPerRemediation: number;
    statusWritesPerRemediation: number;
    phaseTransitionsPerRemediation: number;
    /** Target: the children a completed 3-step remediation needs plus one status write per phase. */
    targetWritesPerRemediation: number;
    statusUpdates: Record<string, number>;
    /** Mean latency of one API call as the orchestrator saw it, ms, by "verb kind". */
    meanLatencyMs: Record<string, number>;
  };
  orchestrator: ProcessFigures & { metricsRssBytes: number | null };
  simulator: ProcessFigures & { statusWrites: number | null };
  apiServer: ProcessFigures;
  etcd: ProcessFigures;
  /** With `profile`: the orchestrator's CPU profile over its whole life, by module and function. */
  profile?: ProfileSummary | null;
  /** One point per second: seconds since the first create. */
  series: {
    t: number;
    created: number;
    finished: number;
    inFlight: number;
    orchestratorRssMb: number | null;
    orchestratorCpuS: number | null;
    apiServerCpuS: number | null;
  }[];
}

function gitInfo(): { commit: string; dirty: boolean } | null {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
        cwd: root,
        encoding: 'utf8',
      }).trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const codeOf = (err: unknown): number | undefined => (err as { code?: number }).code;

/** Runs `work(i)` for i in [0, count), at most `concurrency` at once, the i-th not before `startAt(i)`. */
async function pool(
  count: number,
  concurrency: number,
  startAt: (i: number) => number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const wait = startAt(i) - performance.now();
      if (wait > 0) await sleep(wait);
      await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker()));
}

function figures(w: ProcWatcher, count: number): ProcessFigures {
  const cpu = w.cpuSeconds();
  return {
    pid: w.pid ?? null,
    peakRssBytes: w.pid === undefined || w.peakRssBytes === 0 ? null : w.peakRssBytes,
    cpuSeconds: cpu === null ? null : round(cpu, 3),
    cpuMsPerRemediation: cpu === null || count === 0 ? null : round((cpu * 1000) / count, 3),
  };
}

const OWN_KINDS = new Set<string>(Object.keys(KINDS));
const WRITE_VERBS = new Set(['create', 'patch', 'update', 'delete']);

export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { name: scenarioName, override, scenario } = resolveScenario(options.scenario);
  const count = options.count;
  const qps = options.qps ?? 1000;
  const burst = options.burst ?? 1000;
  const maxConcurrentWrites = options.maxConcurrentWrites ?? 64;
  const createConcurrency = options.createConcurrency ?? 32;
  const runFrom = options.runFrom ?? 'dist';
  const name = options.name ?? `${options.rate ? `rate${options.rate}` : 'burst'}-${count}-${scenarioName}`;
  const work = simulatedWorkMs(scenario);
  const timeoutMs =
    options.timeoutMs ??
    120_000 + work * 3 + count * 100 + (options.rate ? (count / options.rate) * 1000 : 0);
  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'bench-'));
  mkdirSync(logDir, { recursive: true });

  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const version = await kc.makeApiClient(VersionApi).getCode();
  const namespace = `bench-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'kubernaut.ai/benchmark': name } } },
  });
  log(`bench ${name}: namespace ${namespace}, logs in ${logDir}`);

  const observer = new Observer(kc, namespace);
  let orchestrator: Awaited<ReturnType<typeof startOrchestrator>> | undefined;
  let result: BenchmarkResult | undefined;
  let simulator: BenchProcess | undefined;
  const sampler: { timer?: NodeJS.Timeout } = {};
  try {
    await observer.start();
    if (runFrom === 'dist') await buildDist();
    [orchestrator, simulator] = await Promise.all([
      startOrchestrator(
        options.kubeconfigPath,
        namespace,
        { qps, burst, maxConcurrentWrites },
        join(logDir, `${name}-orchestrator.log`),
        runFrom,
        [
          ...(options.orchestratorNodeArgs ?? []),
          ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(logDir, 'profile')}`] : []),
        ],
      ),
      startSimulatorProcess(
        options.kubeconfigPath,
        namespace,
        override,
        join(logDir, `${name}-simulator.log`),
        runFrom,
      ),
    ]);
    const orch = new ProcWatcher(orchestrator.pid);
    const sim = new ProcWatcher(simulator.pid);
    const apiServer = new ProcWatcher(findDescendant(process.pid, 'kube-apiserver'));
    const etcd = new ProcWatcher(findDescendant(process.pid, 'etcd'));
    const watchers = [orch, sim, apiServer, etcd];

    const before = await scrapeSamples(orchestrator.metricsPort);
    const t0 = performance.now();
    for (const w of watchers) w.sample(0);
    let created = 0;
    let createErrors = 0;
    const createCalls: number[] = [];
    const names = Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
    const series: BenchmarkResult['series'] = [];
    let lastSeriesAt = -1;
    const sampleNow = (final = false): void => {
      const t = (performance.now() - t0) / 1000;
      for (const w of watchers) w.sample(t);
      if (final || Math.floor(t) > lastSeriesAt) {
        lastSeriesAt = Math.floor(t);
        series.push({
          t: round(t, 2),
          created,
          finished: observer.finished,
          inFlight: created - observer.finished,
          orchestratorRssMb: orch.last ? round(orch.last.rssBytes / 2 ** 20, 1) : null,
          orchestratorCpuS: orch.cpuSeconds() === null ? null : round(orch.cpuSeconds()!, 2),
          apiServerCpuS: apiServer.cpuSeconds() === null ? null : round(apiServer.cpuSeconds()!, 2),
        });
      }
    };
    // The orchestrator's counters, kept fresh so that a run whose orchestrator dies still has them.
    const { metricsPort } = orchestrator;
    let latest = before;
    let scraping = false;
    let lastScrapeAt = 0;
    sampler.timer = setInterval(() => {
      sampleNow();
      if (scraping || performance.now() - lastScrapeAt < 5000) return;
      scraping = true;
      lastScrapeAt = performance.now();
      scrapeSamples(metricsPort)
        .then(
          (s) => (latest = s),
          () => undefined,
        )
        .finally(() => (scraping = false));
    }, 250);
    const progress = new Progress(
      name,
      () => ({
        created,
        pickedUp: observer.pickedUp,
        finished: observer.finished,
        total: count,
        orchestratorRssMb: orch.last ? orch.last.rssBytes / 2 ** 20 : undefined,
        elapsedS: (performance.now() - t0) / 1000,
      }),
      options.progress ?? true,
    );
    progress.start();

    const rr = KINDS.RemediationRequest;
    const createOne = async (i: number): Promise<void> => {
      const rrName = names[i]!;
      const timing = observer.timing(rrName);
      const body = {
        apiVersion: apiVersionOf('RemediationRequest'),
        kind: rr.kind,
        metadata: { name: rrName },
        spec: {
          targetingData: {
            signalFingerprint: `bench:${rrName}`,
            alertName: 'HighMemoryUsage',
            environment: 'production',
            severity: 'critical',
            namespace: 'payments',
            resource: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: 'payment-api',
              namespace: 'payments',
            },
            labels: { team: 'payments' },
          },
        },
      };
      for (let attempt = 0; ; attempt++) {
        const sent = performance.now();
        timing.createSentAt ??= sent;
        try {
          await custom.createNamespacedCustomObject({
            group: rr.group,
            version: API_VERSION,
            plural: rr.plural,
            namespace,
            body,
          });
          const answered = performance.now();
          timing.createdAt = answered;
          createCalls.push(answered - sent);
          created++;
          return;
        } catch (err) {
          if (codeOf(err) === 409) {
            created++; // an earlier attempt went through
            return;
          }
          createErrors++;
          if (attempt >= 5)
            throw new Error(`creating ${rrName} failed ${attempt + 1} times: ${String(err)}`, { cause: err });
          await sleep(100 * 2 ** attempt);
        }
      }
    };
    const rate = options.rate;
    await pool(
      count,
      rate ? Math.max(createConcurrency, 64) : createConcurrency,
      rate ? (i) => t0 + (i / rate) * 1000 : () => 0,
      createOne,
    );
    const createsDone = performance.now();

    const deadline = t0 + timeoutMs;
    let failure: string | undefined;
    while (observer.finished < count && performance.now() < deadline) {
      if (orchestrator.exited()) {
        failure = `the orchestrator exited during the run: ${exitReason(orchestrator.tail())}`;
        log(`bench ${name}: ${failure}\n${orchestrator.tail()}`);
        break;
      }
      await sleep(50);
    }
    sampleNow(true);
    clearInterval(sampler.timer);
    progress.stop();
    const complete = observer.finished >= count;
    if (!complete)
      log(
        `bench ${name}: only ${observer.finished} of ${count} requests finished within ${Math.round(timeoutMs / 1000)} s`,
      );
    // Events and the last writes are issued right after the terminal status: let them land.
    await sleep(1000);
    const after: Sample[] = failure ? latest : await scrapeSamples(orchestrator.metricsPort);

    // Figures.
    const timings = names.map((n) => observer.requests.get(n)).filter((t) => t !== undefined);
    const pickup: number[] = [];
    const e2e: number[] = [];
    const handoff: number[] = [];
    let handoffsReordered = 0;
    const events: [number, number][] = [];
    for (const t of timings) {
      if (t.createSentAt === undefined) continue;
      events.push([t.createSentAt, 1]);
      if (t.firstPhaseAt !== undefined) pickup.push(t.firstPhaseAt - t.createSentAt);
      if (t.terminalAt !== undefined) {
        e2e.push(t.terminalAt - t.createSentAt);
        events.push([t.terminalAt, -1]);
      }
      const h = handoffs(t);
      handoff.push(...h.samples);
      handoffsReordered += h.reordered;
    }
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let inFlight = 0;
    let peakInFlight = 0;
    let area = 0;
    let lastT = events[0]?.[0] ?? 0;
    const firstCreate = events[0]?.[0];
    for (const [t, d] of events) {
      if (t <= createsDone) area += inFlight * (t - lastT);
      lastT = t;
      inFlight += d;
      peakInFlight = Math.max(peakInFlight, inFlight);
    }
    const finishes = [...observer.finishTimes].sort((a, b) => a - b);
    const lastFinish = finishes[finishes.length - 1];
    const drainMs = firstCreate !== undefined && lastFinish !== undefined ? lastFinish - firstCreate : null;
    let sustained: number | null = null;
    if (finishes.length >= 20) {
      const lo = Math.floor(finishes.length * 0.1);
      const hi = Math.ceil(finishes.length * 0.9) - 1;
      const span = finishes[hi]! - finishes[lo]!;
      if (span > 0) sustained = round(((hi - lo) * 1000) / span, 2);
    } else if (drainMs) sustained = round((finishes.length * 1000) / drainMs, 2);

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
    const transitions =
      sum(after, 'remediation_phase_transitions_total') - sum(before, 'remediation_phase_transitions_total');
    const statusUpdates: Record<string, number> = {};
    for (const result of ['success', 'conflict', 'failure']) {
      statusUpdates[result] =
        sum(after, 'remediation_status_updates_total', { result }) -
        sum(before, 'remediation_status_updates_total', { result });
    }
    const meanLatencyMs: Record<string, number> = {};
    for (const key of Object.keys(byVerbKind)) {
      const [verb, kind] = key.split(' ') as [string, string];
      const n =
        sum(after, 'remediation_api_request_duration_seconds_count', { verb, kind }) -
        sum(before, 'remediation_api_request_duration_seconds_count', { verb, kind });
      const total =
        sum(after, 'remediation_api_request_duration_seconds_sum', { verb, kind }) -
        sum(before, 'remediation_api_request_duration_seconds_sum', { verb, kind });
      if (n > 0) meanLatencyMs[key] = round((total * 1000) / n, 1);
    }
    const expectedChildren = 3 + scenario.plan.length + 1;
    const phasesPerRemediation = transitions / count;

    // Stop the simulator first (its last line has its counters), then delete the namespace while
    // the orchestrator still runs, so that it releases its finalizers.
    const simStop = simulator;
    simulator = undefined;
    await simStop.stop();
    const statsLine = /"statusWrites":(\d+)/.exec(simStop.tail());

    result = {
      schema: 1,
      name,
      date: new Date().toISOString(),
      machine: {
        cores: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryBytes: totalmem(),
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
      },
      kubernetes: {
        version: version.gitVersion,
        local: !process.env.KUBECONFIG_TEST && apiServer.pid !== undefined,
      },
      git: gitInfo(),
      options: {
        count,
        rate: rate ?? null,
        scenario: scenarioName,
        scenarioOverride: override,
        qps,
        burst,
        maxConcurrentWrites,
        createConcurrency,
        orchestratorNodeArgs: options.orchestratorNodeArgs ?? [],
        runFrom,
      },
      complete,
      ...(failure ? { failure } : {}),
      counts: {
        requested: count,
        created,
        createErrors,
        pickedUp: observer.pickedUp,
        finished: observer.finished,
        completed: observer.succeeded,
        otherTerminal: observer.finished - observer.succeeded,
        handoffs: handoff.length,
        handoffsReordered,
        watchErrors: observer.watchErrors,
      },
      simulatedWorkMs: work,
      latencyMs: {
        pickup: distribution(pickup),
        handoff: distribution(handoff),
        endToEnd: distribution(e2e),
        overhead: distribution(e2e.map((v) => v - work)),
        createCall: distribution(createCalls),
      },
      throughput: {
        drainSeconds: drainMs === null ? null : round(drainMs / 1000, 2),
        createSeconds: firstCreate === undefined ? null : round((createsDone - firstCreate) / 1000, 2),
        achievedCreateRate:
          firstCreate === undefined || createsDone <= firstCreate
            ? null
            : round((created * 1000) / (createsDone - firstCreate), 1),
        overallPerSecond: drainMs ? round((observer.finished * 1000) / drainMs, 2) : null,
        sustainedPerSecond: sustained,
        peakInFlight,
        meanInFlightWhileCreating:
          firstCreate !== undefined && createsDone > firstCreate
            ? round(area / (createsDone - firstCreate), 1)
            : null,
      },
      api: {
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
      },
      orchestrator: {
        ...figures(orch, count),
        metricsRssBytes: sum(after, 'process_resident_memory_bytes') || null,
      },
      simulator: { ...figures(sim, count), statusWrites: statsLine ? Number(statsLine[1]) : null },
      apiServer: figures(apiServer, count),
      etcd: figures(etcd, count),
      series,
    };
    return result;
  } finally {
    clearInterval(sampler.timer);
    observer.stop();
    await simulator?.stop();
    if (!options.skipCleanup)
      await cleanup(kc, namespace, options.cleanupTimeoutMs ?? Math.max(60_000, count * 30), log);
    await orchestrator?.stop();
    if (result && options.profile) result.profile = summariseProfile(join(logDir, 'profile'));
  }
}

/** Deletes the namespace and waits for it to go; strips our finalizer from whatever blocks it. */
async function cleanup(
  kc: KubeConfig,
  namespace: string,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  const gone = async (): Promise<boolean> =>
    core.readNamespace({ name: namespace }).then(
      () => false,
      (err: unknown) => codeOf(err) === 404,
    );
  const started = performance.now();
  let stripped = false;
  while (!(await gone())) {
    const waited = performance.now() - started;
    if (!stripped && waited > timeoutMs / 2) {
      stripped = true;
      const kind: KindName = 'RemediationRequest';
      const c = { group: KINDS[kind].group, version: API_VERSION, plural: KINDS[kind].plural, namespace };
      const left = (await custom.listNamespacedCustomObject(c).catch(() => ({ items: [] }))) as {
        items: { metadata: { name: string } }[];
      };
      log(
        `bench: namespace ${namespace} still terminating after ${Math.round(waited / 1000)} s; removing finalizers from ${left.items.length} requests`,
      );
      for (const item of left.items) {
        await custom
          .patchNamespacedCustomObject(
            { ...c, name: item.metadata.name, body: { metadata: { finalizers: null } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          )
          .catch(() => undefined);
      }
    }
    if (waited > timeoutMs) {
      log(`bench: namespace ${namespace} not gone after ${Math.round(waited / 1000)} s; leaving it`);
      return;
    }
    await sleep(500);
  }
}

/** The line of a dead process's output that says why: a fatal error, or else its last line. */
function exitReason(tail: string): string {
  const lines = tail
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /FATAL ERROR|out of memory|Error:/.test(l)) ?? lines.at(-1) ?? 'no output';
}
