// The simulator's runtime: one informer per child kind (and namespace), one pending step per child
// UID on the injected clock, and status writes through the status subresource as JSON merge patches
// guarded by the resourceVersion they were decided on.
import { withConnectionReuse } from '../k8s/connection-reuse.js';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, CHILD_KINDS, KINDS, type ChildKindName } from '../api/index.js';
import { Informer, type InformerEventType } from '../k8s/informer.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import { systemClock, type Clock } from '../util/clock.js';
import { isNewerResourceVersion } from '../util/resource-version.js';
import {
  DEFAULT_SCENARIO,
  mergeScenario,
  parseScenario,
  SCENARIO_ANNOTATION,
  type Scenario,
  type ScenarioOverride,
} from './scenario.js';
import { nextStep, phaseOf, type ChildObject, type Step } from './steps.js';

export interface SimulatorOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; all namespaces when absent or empty. */
  namespaces?: string[];
  /** Merged over DEFAULT_SCENARIO; each child's scenario annotation is merged over the result. */
  defaultScenario?: ScenarioOverride;
  clock?: Clock;
  /** One line per status write, and the simulator's other debug lines. */
  log?: (line: string) => void;
  /** Problems: a bad scenario annotation, a write that failed. Defaults to `log`. */
  warn?: (line: string) => void;
  /** Status writes in flight at most. Default 16. */
  maxConcurrentWrites?: number;
}

export interface SimulatorStats {
  statusWrites: number;
  objectsSeen: number;
}

export interface Simulator {
  stop(): Promise<void>;
  stats(): SimulatorStats;
}

/** Retries of a status write: conflicts and transient API errors. */
const WRITE_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 5_000, jitter: 0.5 };
const INFORMER_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 10_000, jitter: 0.5 };
const STOP_TIMEOUT_MS = 5_000;

/** What the simulator holds for one child, keyed by UID; dropped when the child is deleted. */
interface Entry {
  kind: ChildKindName;
  uid: string;
  /** The newest version of the child we know, from the watch or from our own writes. */
  latest: ChildObject;
  timer?: unknown;
  /** The step the timer or the write in flight is for. */
  step?: Step;
  writing: boolean;
  attempt: number;
  scenarioJson?: string;
  scenario: Scenario;
}

function describe(e: Entry): string {
  return `${e.kind} ${e.latest.metadata?.namespace ?? ''}/${e.latest.metadata?.name ?? ''}`;
}

/** True when `object` is newer than the child's latest known version. */
function newerThanLatest(entry: Entry, object: ChildObject): boolean {
  return isNewerResourceVersion(object.metadata?.resourceVersion, entry.latest.metadata?.resourceVersion);
}

function httpCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  const code = e?.code ?? e?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** Retryable: conflicts, throttling, server errors and network failures (no HTTP code at all). */
function retryable(code: number | undefined): boolean {
  return code === undefined || code === 409 || code === 429 || code >= 500;
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

class SimulatorRuntime implements Simulator {
  private readonly clock: Clock;
  private readonly api: CustomObjectsApi;
  private readonly base: Scenario;
  private readonly entries = new Map<string, Entry>();
  private readonly informers: Informer<ChildObject>[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly writes: Semaphore;
  private readonly log: (line: string) => void;
  private readonly warn: (line: string) => void;
  private stopped = false;
  private counters: SimulatorStats = { statusWrites: 0, objectsSeen: 0 };

  constructor(private readonly options: SimulatorOptions) {
    this.clock = options.clock ?? systemClock;
    this.api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.base = mergeScenario(DEFAULT_SCENARIO, options.defaultScenario, 'defaultScenario');
    this.writes = new Semaphore(Math.max(1, options.maxConcurrentWrites ?? 16));
    this.log = options.log ?? (() => undefined);
    this.warn = options.warn ?? this.log;
  }

  async start(): Promise<void> {
    const namespaces = this.options.namespaces?.length ? this.options.namespaces : [undefined];
    for (const kind of CHILD_KINDS) {
      for (const namespace of namespaces) {
        const informer = new Informer<ChildObject>({
          kubeConfig: this.options.kubeConfig,
          resource: {
            group: KINDS[kind].group,
            version: API_VERSION,
            plural: KINDS[kind].plural,
            ...(namespace ? { namespace } : {}),
          },
          clock: this.clock,
          backoff: INFORMER_BACKOFF,
          onError: (err, { phase, retryInMs }) =>
            this.warn(
              `sim: ${kind} informer ${phase} error${retryInMs === undefined ? '' : ` (retry in ${retryInMs} ms)`}: ${String(err)}`,
            ),
        });
        informer.on((type, object) => this.onEvent(kind, type, object));
        this.informers.push(informer);
      }
    }
    await Promise.all(this.informers.map((i) => i.start()));
    this.log(
      `sim: watching ${CHILD_KINDS.length} kinds in ${this.options.namespaces?.length ? this.options.namespaces.join(',') : 'all namespaces'}`,
    );
  }

  stats(): SimulatorStats {
    return { ...this.counters };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const informer of this.informers) informer.stop();
    for (const entry of this.entries.values()) this.cancelTimer(entry);
    this.entries.clear();
    if (this.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)));
      await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
      clearTimeout(timer);
    }
  }

  // Informer handler: only updates the entry and schedules; never blocks.
  private onEvent(kind: ChildKindName, type: InformerEventType, object: ChildObject): void {
    if (this.stopped) return;
    const uid = object.metadata?.uid;
    if (!uid) return;
    let entry = this.entries.get(uid);
    if (type === 'deleted') {
      if (entry) {
        this.cancelTimer(entry);
        this.entries.delete(uid);
      }
      return;
    }
    if (!entry) {
      entry = { kind, uid, latest: object, writing: false, attempt: 0, scenario: this.base };
      this.entries.set(uid, entry);
      this.counters.objectsSeen++;
    } else if (!newerThanLatest(entry, object)) {
      return; // not newer than what our own write returned
    } else {
      entry.latest = object;
    }
    if (entry.latest.spec.cancelRequested === true) {
      this.cancelTimer(entry); // a write in flight is guarded by its resourceVersion and will conflict
      return;
    }
    if (entry.timer === undefined && !entry.writing) this.plan(entry);
  }

  private scenarioOf(entry: Entry): Scenario {
    const json = entry.latest.spec.targetingData.annotations?.[SCENARIO_ANNOTATION];
    if (json !== entry.scenarioJson) {
      entry.scenarioJson = json;
      try {
        entry.scenario = parseScenario(json, this.base);
      } catch (err) {
        entry.scenario = this.base;
        this.warn(
          `sim: ${describe(entry)}: ignoring its scenario annotation, using the default scenario: ${(err as Error).message}`,
        );
      }
    }
    return entry.scenario;
  }

  /** Decides the next step from the latest object and schedules it; nothing when final or stuck. */
  private plan(entry: Entry): void {
    if (this.stopped || this.entries.get(entry.uid) !== entry) return;
    const step = nextStep(entry.kind, entry.latest, this.scenarioOf(entry), this.clock.now());
    entry.step = step;
    entry.attempt = 0;
    if (step) this.schedule(entry, step.delayMs);
  }

  private schedule(entry: Entry, delayMs: number): void {
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = undefined;
      this.fire(entry);
    }, delayMs);
  }

  private cancelTimer(entry: Entry): void {
    if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
  }

  /** The timer of a step is due: write it if the child is still where the step was decided. */
  private fire(entry: Entry): void {
    if (this.stopped || this.entries.get(entry.uid) !== entry || !entry.step) return;
    if (phaseOf(entry.latest) !== entry.step.from) {
      this.plan(entry); // someone else moved it on: decide again from what it is now
      return;
    }
    // Decide again at write time, so that timestamps are the write's and a cancel is honoured.
    const step = nextStep(entry.kind, entry.latest, this.scenarioOf(entry), this.clock.now());
    if (!step || step.from !== entry.step.from) {
      entry.step = step;
      if (step) this.schedule(entry, step.delayMs);
      return;
    }
    entry.writing = true;
    const write = this.write(entry, step).finally(() => {
      this.inFlight.delete(write);
    });
    this.inFlight.add(write);
  }

  private async write(entry: Entry, step: Step): Promise<void> {
    const { kind } = entry;
    const object = entry.latest;
    const name = object.metadata?.name ?? '';
    const namespace = object.metadata?.namespace ?? '';
    await this.writes.acquire();
    let retryInMs: number | undefined;
    try {
      if (this.stopped) return;
      const body = { metadata: { resourceVersion: object.metadata?.resourceVersion }, status: step.status };
      const updated = (await this.api.patchNamespacedCustomObjectStatus(
        { group: KINDS[kind].group, version: API_VERSION, plural: KINDS[kind].plural, namespace, name, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )) as ChildObject;
      this.counters.statusWrites++;
      this.log(
        `sim: ${kind} ${namespace}/${name}: ${step.from || 'Pending'} -> ${String(step.status.phase)}`,
      );
      if (newerThanLatest(entry, updated)) entry.latest = updated;
    } catch (err) {
      const code = httpCode(err);
      if (code === 404) {
        this.entries.delete(entry.uid);
        return;
      }
      if (!retryable(code)) {
        this.warn(
          `sim: ${kind} ${namespace}/${name}: status write rejected (${code ?? 'no code'}), giving up on this step until the object changes: ${String((err as { body?: unknown }).body ?? err)}`,
        );
        entry.step = undefined;
        return;
      }
      if (code === 409) await this.refresh(entry);
      retryInMs = backoffDelay(WRITE_BACKOFF, entry.attempt++);
      if (code !== 409)
        this.warn(
          `sim: ${kind} ${namespace}/${name}: status write failed (${code ?? String(err)}), retrying in ${retryInMs} ms`,
        );
    } finally {
      this.writes.release();
      entry.writing = false;
    }
    if (this.stopped || this.entries.get(entry.uid) !== entry) return;
    if (retryInMs !== undefined) {
      this.schedule(entry, retryInMs); // the same step again, unless the child moved on meanwhile
    } else if (entry.timer === undefined) {
      this.plan(entry);
    }
  }

  /** After a conflict: read the child as it is now, so the retry decides from it. */
  private async refresh(entry: Entry): Promise<void> {
    const { kind } = entry;
    try {
      const fresh = (await this.api.getNamespacedCustomObject({
        group: KINDS[kind].group,
        version: API_VERSION,
        plural: KINDS[kind].plural,
        namespace: entry.latest.metadata?.namespace ?? '',
        name: entry.latest.metadata?.name ?? '',
      })) as ChildObject;
      if (fresh.metadata?.uid !== entry.uid) return; // deleted and re-created: the watch will tell
      if (newerThanLatest(entry, fresh)) entry.latest = fresh;
    } catch {
      // the retry will conflict again or the watch will bring the new version
    }
  }
}

/**
 * Starts simulating the child controllers: resolves once every informer has listed, with a handle
 * to stop it. See docs/simulator.md.
 */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const sim = new SimulatorRuntime({ ...options, kubeConfig: withConnectionReuse(options.kubeConfig) });
  try {
    await sim.start();
  } catch (err) {
    await sim.stop();
    throw err;
  }
  return sim;
}
