// The operator's Prometheus metrics, on a registry of their own (never prom-client's global one).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Phase durations run from sub-second transitions to the 1h global timeout and beyond. */
const PHASE_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
/** One API call: milliseconds normally, seconds when the API server is struggling. */
const API_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface Metrics {
  /** remediation_phase_transitions_total{from,to} */
  phaseTransitions: Counter<'from' | 'to'>;
  /** remediation_phase_duration_seconds{phase}: time spent in a phase, observed on leaving it. */
  phaseDuration: Histogram<'phase'>;
  /** remediation_active_requests{phase}: requests currently in each phase. */
  activeRequests: Gauge<'phase'>;
  /** remediation_outcomes_total{phase,reason}: terminal phases reached, with status.reason. */
  outcomes: Counter<'phase' | 'reason'>;
  /** remediation_status_updates_total{result}: result is success, conflict or failure. */
  statusUpdates: Counter<'result'>;
  /** remediation_child_creation_duration_seconds{kind}: from deciding to create a child to the API's answer. */
  childCreationLatency: Histogram<'kind'>;
  /** remediation_api_requests_total{verb,kind,code}: code is the HTTP status as a string, or "error". */
  apiRequests: Counter<'verb' | 'kind' | 'code'>;
  /** remediation_api_request_duration_seconds{verb,kind}: one API call, retries counted separately. */
  apiRequestDuration: Histogram<'verb' | 'kind'>;
  /** remediation_api_writer_queue_depth: writes waiting for a token or a concurrency slot. */
  apiQueueDepth: Gauge;
  /** remediation_api_writer_concurrency_limit: writes the adaptive limit allows in flight now. */
  apiConcurrencyLimit: Gauge;
  /** remediation_events_dropped_total: Kubernetes Events dropped unsent, the writer's Event lane being full. */
  eventsDropped: Counter;
  /** remediation_actor_mailbox_depth: messages queued across all actors. */
  mailboxDepth: Gauge;
  /** remediation_actors{state}: state is running or passivated. */
  actors: Gauge<'state'>;
  /** remediation_actor_restarts_total: actors restarted after a crash. */
  actorRestarts: Counter;
  /** remediation_informer_events_total{kind,type}: type is ADDED, MODIFIED, DELETED (or BOOKMARK). */
  informerEvents: Counter<'kind' | 'type'>;
  /** remediation_informer_errors_total{kind,phase}: phase is list or watch. */
  informerErrors: Counter<'kind' | 'phase'>;
  /** remediation_notifications_total{type}: NotificationRequests created (approval, escalation, success). */
  notifications: Counter<'type'>;
  /** remediation_child_create_failures_total{kind,code}: creates that failed, by the error code of the catalog. */
  childCreateFailures: Counter<'kind' | 'code'>;
  /** remediation_timeouts_total{phase}: phase is the timed-out phase, or "Global". */
  timeouts: Counter<'phase'>;
  /** remediation_blocked_requests{reason}: requests Blocked now, by blockedReason. */
  blockedRequests: Gauge<'reason'>;
  /** remediation_skipped_total{reason}: requests that ended Skipped, by reason. */
  skipped: Counter<'reason'>;
  /** remediation_storm_mode: 1 while a storm holds requests back (StormProtection), else 0. */
  stormMode: Gauge;
  /** remediation_leader: 1 while this replica holds the Lease, else 0. */
  isLeader: Gauge;
  /** The registry all of the above (and the process metrics) are registered on. */
  registry: Registry;
}

/** All metrics on `registry` (a fresh one by default), plus prom-client's process metrics (CPU, RSS, event loop). */
export function createMetrics(registry: Registry = new Registry()): Metrics {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  const isLeader = new Gauge({
    name: 'remediation_leader',
    help: '1 while this replica holds the leader Lease, else 0',
    registers,
  });
  isLeader.set(0);
  return {
    phaseTransitions: new Counter({
      name: 'remediation_phase_transitions_total',
      help: 'RemediationRequest phase transitions',
      labelNames: ['from', 'to'] as const,
      registers,
    }),
    phaseDuration: new Histogram({
      name: 'remediation_phase_duration_seconds',
      help: 'Time a RemediationRequest spent in a phase, observed when it leaves the phase',
      labelNames: ['phase'] as const,
      buckets: PHASE_BUCKETS,
      registers,
    }),
    activeRequests: new Gauge({
      name: 'remediation_active_requests',
      help: 'RemediationRequests currently in each phase',
      labelNames: ['phase'] as const,
      registers,
    }),
    blockedRequests: new Gauge({
      name: 'remediation_blocked_requests',
      help: 'RemediationRequests currently Blocked, by the storm-protection rule that holds them',
      labelNames: ['reason'] as const,
      registers,
    }),
    skipped: new Counter({
      name: 'remediation_skipped_total',
      help: 'RemediationRequests that ended Skipped, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    stormMode: new Gauge({
      name: 'remediation_storm_mode',
      help: '1 while an alert storm holds requests back (StormProtection), else 0',
      registers,
    }),
    outcomes: new Counter({
      name: 'remediation_outcomes_total',
      help: 'RemediationRequests that reached a terminal phase, by phase and reason',
      labelNames: ['phase', 'reason'] as const,
      registers,
    }),
    statusUpdates: new Counter({
      name: 'remediation_status_updates_total',
      help: 'RemediationRequest status writes by result (success, conflict, failure)',
      labelNames: ['result'] as const,
      registers,
    }),
    childCreationLatency: new Histogram({
      name: 'remediation_child_creation_duration_seconds',
      help: 'Latency of creating a child resource, by kind',
      labelNames: ['kind'] as const,
      buckets: API_BUCKETS,
      registers,
    }),
    apiRequests: new Counter({
      name: 'remediation_api_requests_total',
      help: 'Kubernetes API requests by verb, kind and HTTP status code ("error" when no response)',
      labelNames: ['verb', 'kind', 'code'] as const,
      registers,
    }),
    apiRequestDuration: new Histogram({
      name: 'remediation_api_request_duration_seconds',
      help: 'Latency of one Kubernetes API request, by verb and kind',
      labelNames: ['verb', 'kind'] as const,
      buckets: [...API_BUCKETS, 30],
      registers,
    }),
    apiQueueDepth: new Gauge({
      name: 'remediation_api_writer_queue_depth',
      help: 'API writes waiting for a rate-limit token or a concurrency slot',
      registers,
    }),
    apiConcurrencyLimit: new Gauge({
      name: 'remediation_api_writer_concurrency_limit',
      help: 'API writes allowed in flight at once by the adaptive limit (shrinks on 429 and rising latency)',
      registers,
    }),
    eventsDropped: new Counter({
      name: 'remediation_events_dropped_total',
      help: 'Kubernetes Events dropped unsent because the API writer already had its most Events waiting',
      registers,
    }),
    mailboxDepth: new Gauge({
      name: 'remediation_actor_mailbox_depth',
      help: 'Messages queued across all actor mailboxes',
      registers,
    }),
    actors: new Gauge({
      name: 'remediation_actors',
      help: 'Actors by state (running, passivated)',
      labelNames: ['state'] as const,
      registers,
    }),
    actorRestarts: new Counter({
      name: 'remediation_actor_restarts_total',
      help: 'Actors restarted after a crash',
      registers,
    }),
    informerEvents: new Counter({
      name: 'remediation_informer_events_total',
      help: 'Watch events received by the informers, by kind and event type',
      labelNames: ['kind', 'type'] as const,
      registers,
    }),
    informerErrors: new Counter({
      name: 'remediation_informer_errors_total',
      help: 'Informer list and watch failures, by kind and phase (list, watch)',
      labelNames: ['kind', 'phase'] as const,
      registers,
    }),
    notifications: new Counter({
      name: 'remediation_notifications_total',
      help: 'NotificationRequests created, by type (approval, escalation, success)',
      labelNames: ['type'] as const,
      registers,
    }),
    childCreateFailures: new Counter({
      name: 'remediation_child_create_failures_total',
      help: 'Creates of children and notifications that failed after the API writer retried, by kind and error code',
      labelNames: ['kind', 'code'] as const,
      registers,
    }),
    timeouts: new Counter({
      name: 'remediation_timeouts_total',
      help: 'RemediationRequests that timed out, by the phase that timed out',
      labelNames: ['phase'] as const,
      registers,
    }),
    isLeader,
    registry,
  };
}
