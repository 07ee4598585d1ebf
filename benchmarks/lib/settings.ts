// A run's options as given, and the settings they resolve to once the defaults are filled in.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario, ScenarioOverride } from '../../src/sim/scenario.js';
import { parseMemorySize } from './args.js';
import type { RunFrom } from './processes.js';
import { resolveScenario, simulatedWorkMs } from './scenarios.js';

export interface BenchmarkOptions {
  /** A label for the run, e.g. "burst-1000-zero". */
  name?: string;
  /** The kubeconfig of the cluster to use (run.ts starts a local control plane when none is given). */
  kubeconfigPath: string;
  /** Requests to create. */
  count: number;
  /** Requests created per second; all at once (limited only by createConcurrency) when absent. */
  rate?: number;
  /** An alert storm: the requests repeat this many problems (fingerprint and target), severity warning. */
  fingerprints?: number;
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
  /** Run the orchestrator in a fresh memory cgroup with this limit (a Kubernetes quantity, e.g. the
   * chart's 576Mi) and no heap flags or NODE_OPTIONS of its own, so that it sizes its heap as in the
   * chart's pod. Needs root. Adds `-mem<limit>` to the run's name. */
  memoryLimit?: string;
  /** The orchestrator runs as this user of the local control plane (its kubeconfig) instead of the
   * admin of kubeconfigPath; it is given the orchestrator's ClusterRole. */
  orchestratorUser?: { name: string; kubeconfigPath: string };
  /** With orchestratorUser: API Priority and Fairness gives that user's writes a priority level of
   * this many seats and a queue of 2, so that the API server answers 429 under load (only on a
   * throwaway local control plane: src/testing/apf.ts). Adds `-apf<seats>` to the run's name. */
  apfSeats?: number;
  /** Run the orchestrator as in a pod (pod.ts): no --kubeconfig, the token and CA of its kubeconfig
   * (orchestratorUser's, else kubeconfigPath's) as its ServiceAccount's, so that it does not load
   * @kubernetes/client-node. Needs root and unshare(1). Adds `-pod` to the run's name. */
  asPod?: boolean;
}

export interface RunSettings {
  name: string;
  kubeconfigPath: string;
  count: number;
  rate: number | undefined;
  fingerprints: number | undefined;
  scenarioName: string;
  override: ScenarioOverride;
  scenario: Scenario;
  /** The simulated work on the scenario's critical path, ms. */
  workMs: number;
  qps: number;
  burst: number;
  maxConcurrentWrites: number;
  createConcurrency: number;
  timeoutMs: number;
  cleanupTimeoutMs: number;
  skipCleanup: boolean;
  progress: boolean;
  log: (line: string) => void;
  orchestratorNodeArgs: string[];
  runFrom: RunFrom;
  profile: boolean;
  /** Created if missing. */
  logDir: string;
  memoryLimit: { text: string; bytes: number } | undefined;
  orchestratorUser: { name: string; kubeconfigPath: string } | undefined;
  apfSeats: number | undefined;
  asPod: boolean;
}

/** What running as a pod, a memory limit or an APF limit adds to a run's name, e.g. `-pod-mem576Mi-apf1`. */
export function nameSuffix(options: Pick<BenchmarkOptions, 'memoryLimit' | 'apfSeats' | 'asPod'>): string {
  return [
    options.asPod ? '-pod' : '',
    options.memoryLimit === undefined ? '' : `-mem${options.memoryLimit.replace(/[^a-zA-Z0-9.]+/g, '')}`,
    options.apfSeats === undefined ? '' : `-apf${options.apfSeats}`,
  ].join('');
}

/** Fills in the defaults of `options` and creates the log directory. */
export function settingsOf(options: BenchmarkOptions): RunSettings {
  const { name: scenarioName, override, scenario } = resolveScenario(options.scenario);
  const { count, rate } = options;
  const workMs = simulatedWorkMs(scenario);
  if (options.apfSeats !== undefined && !options.orchestratorUser)
    throw new Error('apfSeats limits a user of its own: give orchestratorUser too');
  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'bench-'));
  mkdirSync(logDir, { recursive: true });
  return {
    name:
      (options.name ??
        `${rate ? `rate${rate}` : 'burst'}-${count}-${scenarioName}${options.qps ? `-qps${options.qps}` : ''}`) +
      nameSuffix(options),
    kubeconfigPath: options.kubeconfigPath,
    count,
    rate,
    fingerprints: options.fingerprints,
    scenarioName,
    override,
    scenario,
    workMs,
    // The orchestrator's own defaults: no fixed rate, the adaptive limit up to 32 writes in flight.
    qps: options.qps ?? 0,
    burst: options.burst ?? 100,
    maxConcurrentWrites: options.maxConcurrentWrites ?? 32,
    createConcurrency: options.createConcurrency ?? 32,
    timeoutMs: options.timeoutMs ?? 120_000 + workMs * 3 + count * 100 + (rate ? (count / rate) * 1000 : 0),
    cleanupTimeoutMs: options.cleanupTimeoutMs ?? Math.max(60_000, count * 30),
    skipCleanup: options.skipCleanup ?? false,
    progress: options.progress ?? true,
    log: options.log ?? ((line: string) => process.stderr.write(`${line}\n`)),
    orchestratorNodeArgs: options.orchestratorNodeArgs ?? [],
    runFrom: options.runFrom ?? 'dist',
    profile: options.profile ?? false,
    logDir,
    memoryLimit:
      options.memoryLimit === undefined
        ? undefined
        : { text: options.memoryLimit, bytes: parseMemorySize(options.memoryLimit) },
    orchestratorUser: options.orchestratorUser,
    apfSeats: options.apfSeats,
    asPod: options.asPod ?? false,
  };
}
