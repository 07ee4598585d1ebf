// The JSON a benchmark run writes (schema 1): what was run, on what, and every figure it measured.
import type { CgroupMemoryStats } from './cgroup.js';
import type { ProfileSummary } from './profile.js';
import type { RunFrom } from './processes.js';
import type { Distribution } from './stats.js';

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
    /** An alert storm: the requests repeat this many problems (absent in other runs). */
    fingerprints?: number;
    /** --memory-limit as given, null without (absent before 2026-11-30). */
    memoryLimit?: string | null;
    /** --apf-seats, null without (absent before 2026-11-30). */
    apfSeats?: number | null;
    /** --as-pod: the orchestrator ran as in a pod, without a kubeconfig (absent in results before it). */
    asPod?: boolean;
  };
  /** True when every request reached a terminal phase before the timeout. */
  complete: boolean;
  /** Why the run ended early, e.g. the orchestrator ran out of memory; its API figures are then from the last scrape (every second; every 5 s before 2026-11-30). */
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
  /** An alert storm run (options.fingerprints): what storm protection made of it. */
  storm?: StormFigures;
  orchestrator: ProcessFigures & {
    metricsRssBytes: number | null;
    /** The V8 heap flags on its command line once ready, those src/heap-from-cgroup.ts added
     * included; null when unread (absent before 2026-11-30). */
    heapFlags?: string[] | null;
  };
  /** With --memory-limit: the orchestrator's cgroup and what it saw of its limit over the
   * orchestrator's whole life (read after it stopped). */
  memoryLimit?: {
    limit: string;
    limitBytes: number;
    cgroup: { version: 1 | 2; path: string };
  } & CgroupMemoryStats;
  /** With --apf-seats: the orchestrator's own API user and its writes' priority level. */
  apf?: {
    user: string;
    /** The level's nominal seats as the API server reports them. */
    seats: number;
    queueLengthLimit: number;
    /** The orchestrator's API calls the server answered 429 during the run. */
    throttled: number;
  };
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
    /** remediation_api_writer_concurrency_limit and _queue_depth, scraped as the point was taken;
     * null when the scrape failed (absent before 2026-11-30). */
    writerLimit?: number | null;
    writerQueue?: number | null;
  }[];
}

/** What an alert storm came to: work done once per problem, the rest suppressed cheaply. */
export interface StormFigures {
  fingerprints: number;
  /** RemediationProcessings created: one per remediation executed (target: one per fingerprint). */
  remediations: number;
  /** NotificationRequests created (target: one per fingerprint, plus one for the storm). */
  notifications: number;
  /** Requests that ended Skipped: no remediation of their own. */
  suppressed: number;
  /** Writes to a suppressed request (its MODIFIED events seen), mean and most (target <= 3). */
  writesPerSuppressed: { mean: number; max: number } | null;
  /** Requests by how they ended, "phase/reason". */
  outcomes: Record<string, number>;
}
