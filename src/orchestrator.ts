// buildOrchestrator(deps) wires caches, the API writer, the effect executor and the supervisor into
// one Runnable: `start` lists and watches, then runs an actor per request; `stop` ends it all.
// main.ts gives it the real client, logger and clock; tests give it the real control plane.
import type { KubeSource } from './k8s/cluster-access.js';
import { isTerminal } from './actors/phases.js';
import type { Observed } from './actors/observed.js';
import type { Settings } from './actors/status.js';
import type { Config } from './config.js';
import { Caches } from './cluster/caches.js';
import { missingCrds } from './cluster/installed-kinds.js';
import { fenceWrites, KubeHttp, setRequestTimeout } from './k8s/kube-http.js';
import { ownerUid } from './cluster/owner.js';
import { withConnectionReuse } from './k8s/connection-reuse.js';
import { RemediationApi } from './cluster/remediation-api.js';
import { ApiWriter } from './k8s/writer.js';
import type { Logger, Metrics } from './observability/index.js';
import { Supervisor } from './supervisor/index.js';
import type { Clock } from './util/clock.js';

export interface OrchestratorDeps {
  kubeConfig: KubeSource;
  config: Config;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Told of every API call after its answer; main.ts uses it for fault injection in tests. */
  onApiRequest?: (verb: string, kind: string, code: string) => void;
  /** The leadership gate (LeaderElector.isLeader): every write is refused unsent while it is false. */
  fence?: () => boolean;
  /** Tests only: every view an actor reads passes through it (to make one request's machine throw). */
  alterView?: (observed: Observed) => Observed;
}

export interface Orchestrator {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once the caches have listed and the actors run. */
  readonly started: boolean;
  /** For /readyz: true once started, else what it waits for (kinds and namespaces not listed yet). */
  readiness(): true | string;
  readonly supervisor: Supervisor;
  readonly writer: ApiWriter;
  readonly caches: Caches;
}

export function settingsOf(config: Config): Settings {
  return {
    timeouts: config.timeouts,
    retentionMs: config.retention.afterCompletionMs,
    channels: config.notifications.channels,
    historyLimit: config.actors.phaseHistoryLimit,
    progressIntervalMs: config.status.progressIntervalMs,
    routing: config.storm,
  };
}

/** Starts the caches; rejects, naming what has not listed, when that takes longer than `timeoutMs`. */
async function syncWithin(caches: Caches, clock: Clock, timeoutMs: number): Promise<void> {
  let timer: unknown;
  const timedOut = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(
      () =>
        reject(
          new Error(
            `the caches did not sync within ${timeoutMs} ms: ${caches.unsynced().join('; ')}; check RBAC for these kinds and namespaces`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([caches.start(), timedOut]);
  } finally {
    clock.clearTimeout(timer);
  }
}

export function buildOrchestrator(deps: OrchestratorDeps): Orchestrator {
  const { config, clock, logger, metrics } = deps;
  const kubeConfig = withConnectionReuse(deps.kubeConfig);
  if (deps.fence) fenceWrites(kubeConfig, deps.fence);
  setRequestTimeout(kubeConfig, config.kube.requestTimeoutMs);
  const writer = new ApiWriter(
    { ...config.api, clock, fence: deps.fence },
    {
      request: (verb, kind, code, seconds) => {
        metrics.apiRequests.inc({ verb, kind, code });
        metrics.apiRequestDuration.observe({ verb, kind }, seconds);
        deps.onApiRequest?.(verb, kind, code);
      },
      queueDepth: (depth) => metrics.apiQueueDepth.set(depth),
      dropped: () => metrics.eventsDropped.inc(),
      concurrencyLimit: (limit) => metrics.apiConcurrencyLimit.set(limit),
    },
  );
  const api = new RemediationApi(
    kubeConfig,
    writer,
    clock,
    {
      childCreated: (kind, seconds) => metrics.childCreationLatency.observe({ kind }, seconds),
      statusUpdate: (result) => metrics.statusUpdates.inc({ result }),
      notificationCreated: (type) => metrics.notifications.inc({ type }),
      createFailed: (ref, kind, child, err) => {
        metrics.childCreateFailures.inc({ kind, code: err.code });
        logger.warn(
          {
            namespace: ref.namespace,
            name: ref.name,
            uid: ref.uid,
            kind,
            child,
            code: err.code,
            err: err.message,
          },
          err.retryable
            ? `creating ${kind} ${child} failed; it is tried again with backoff`
            : `the API server refused ${kind} ${child} for good`,
        );
      },
      eventFailed: (err) => logger.debug({ err }, 'recording a Kubernetes Event failed'),
    },
    config.events.policy,
  );
  const caches = new Caches({
    kubeConfig,
    clock,
    backoff: config.informer.backoff,
    pageSize: config.informer.pageSize,
    namespaces: config.kube.namespaces,
    onError: (kind, err, phase) => {
      metrics.informerErrors.inc({ kind, phase });
      logger.warn({ kind, phase, err }, 'watch failed; restarting with backoff');
    },
    onEvent: (kind, type) => metrics.informerEvents.inc({ kind, type: type.toUpperCase() }),
  });
  const supervisor = new Supervisor({
    clock,
    settings: settingsOf(config),
    retryBackoff: config.api.backoff,
    restartBackoff: config.actors.restartBackoff,
    maxRestarts: config.actors.maxRestarts,
    recentlyFinishedSize: config.actors.recentlyFinishedCacheSize,
    view: (ref) => {
      const observed = caches.view(ref.namespace, ref.name, ref.uid, {
        settings: config.storm,
        now: clock.now(),
      });
      return observed && deps.alterView ? deps.alterView(observed) : observed;
    },
    decided: (ref, decision) => caches.requestIndex.decided(ref.uid, decision),
    applyEffects: api.apply,
    deleteRequest: api.deleteRequest,
    log: logger,
    observer: {
      mailbox: (delta) => metrics.mailboxDepth.inc(delta),
      transition: (from, to, seconds, reason, timeoutPhase) => {
        metrics.phaseTransitions.inc({ from: from ?? 'New', to });
        if (from && seconds !== undefined) metrics.phaseDuration.observe({ phase: from }, seconds);
        if (isTerminal(to)) metrics.outcomes.inc({ phase: to, reason: reason ?? 'Unknown' });
        if (to === 'Skipped') metrics.skipped.inc({ reason: reason ?? 'Unknown' });
        if (to === 'TimedOut')
          metrics.timeouts.inc({
            phase: reason === 'GlobalTimeout' ? 'Global' : (timeoutPhase ?? 'Unknown'),
          });
      },
      active: (phase, delta) => metrics.activeRequests.inc({ phase }, delta),
      actors: (running, passivated) => {
        metrics.actors.set({ state: 'running' }, running);
        metrics.actors.set({ state: 'passivated' }, passivated);
      },
      restarted: () => metrics.actorRestarts.inc(),
      stopped: () => metrics.actorsStopped.inc(),
    },
  });
  caches.onRouting({
    wake: (uids) => supervisor.wake(uids),
    blocked: (reason, delta) => {
      metrics.blockedRequests.inc({ reason }, delta);
      metrics.stormMode.set(caches.requestIndex.stormHeld > 0 ? 1 : 0);
    },
  });
  caches.onRequest((type, rr) => supervisor.onRequest(type, rr));
  caches.onChild((type, kind, child) =>
    supervisor.onChild(type, kind, ownerUid(child), child.metadata?.name ?? ''),
  );
  let started = false;
  return {
    supervisor,
    writer,
    caches,
    get started() {
      return started;
    },
    readiness() {
      if (started) return true;
      const unsynced = caches.unsynced();
      return unsynced.length
        ? `the caches have not synced yet: ${unsynced.join('; ')}`
        : 'the caches have not synced yet';
    },
    async start() {
      const missing = await missingCrds(new KubeHttp(kubeConfig));
      if (missing.length)
        throw new Error(
          `the API server does not serve ${missing.join(', ')}: install the CRDs of config/crd (or the Helm chart) first`,
        );
      await syncWithin(caches, clock, config.informer.syncTimeoutMs);
      supervisor.start(caches.requests.list());
      started = true;
      logger.info(
        {
          requests: caches.requests.list().length,
          namespaces: config.kube.namespaces.length ? config.kube.namespaces : 'all',
        },
        'orchestrator started',
      );
    },
    async stop() {
      started = false;
      supervisor.stop();
      caches.stop();
      const deadline = clock.now() + config.actors.shutdownTimeoutMs;
      while (writer.inFlightCount > 0 && clock.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    },
  };
}
