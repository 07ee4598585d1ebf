// The operator's Prometheus metrics, on a registry of their own (never prom-client's global one): one
// table of definitions, from which createMetrics builds each metric and the Metrics type is derived.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { KNOWN_LABELS, type LabelSet } from './known-labels.js';

/** Phase durations run from sub-second transitions to the 1h global timeout and beyond. */
const PHASE_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
/** One API call: milliseconds normally, seconds when the API server is struggling. */
const API_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Definition {
  type: 'counter' | 'gauge' | 'histogram';
  name: string;
  help: string;
  labelNames?: readonly string[];
  buckets?: readonly number[];
  /** Label sets exported at 0 from the start (./known-labels.ts says why). */
  known?: readonly LabelSet[];
}

/** Every metric of docs/metrics.md, by the name the orchestrator's code uses; registered in this order. */
export const METRIC_DEFINITIONS = {
  isLeader: {
    type: 'gauge',
    name: 'remediation_leader',
    help: '1 while this replica holds the leader Lease, else 0',
  },
  phaseTransitions: {
    type: 'counter',
    name: 'remediation_phase_transitions_total',
    help: 'RemediationRequest phase transitions',
    labelNames: ['from', 'to'],
  },
  phaseDuration: {
    type: 'histogram',
    name: 'remediation_phase_duration_seconds',
    help: 'Time a RemediationRequest spent in a phase, observed when it leaves the phase',
    labelNames: ['phase'],
    buckets: PHASE_BUCKETS,
  },
  activeRequests: {
    type: 'gauge',
    name: 'remediation_active_requests',
    help: 'RemediationRequests currently in each phase',
    labelNames: ['phase'],
    known: KNOWN_LABELS.activePhases,
  },
  blockedRequests: {
    type: 'gauge',
    name: 'remediation_blocked_requests',
    help: 'RemediationRequests currently Blocked, by the storm-protection rule that holds them',
    labelNames: ['reason'],
    known: KNOWN_LABELS.blocked,
  },
  skipped: {
    type: 'counter',
    name: 'remediation_skipped_total',
    help: 'RemediationRequests that ended Skipped, by reason',
    labelNames: ['reason'],
    known: KNOWN_LABELS.skipped,
  },
  stormMode: {
    type: 'gauge',
    name: 'remediation_storm_mode',
    help: '1 while an alert storm holds requests back (StormProtection), else 0',
  },
  outcomes: {
    type: 'counter',
    name: 'remediation_outcomes_total',
    help: 'RemediationRequests that reached a terminal phase, by phase and reason',
    labelNames: ['phase', 'reason'],
    known: KNOWN_LABELS.outcomes,
  },
  statusUpdates: {
    type: 'counter',
    name: 'remediation_status_updates_total',
    help: 'RemediationRequest status writes by result (success, conflict, failure)',
    labelNames: ['result'],
    known: KNOWN_LABELS.statusResults,
  },
  childCreationLatency: {
    type: 'histogram',
    name: 'remediation_child_creation_duration_seconds',
    help: 'Latency of creating a child resource, by kind',
    labelNames: ['kind'],
    buckets: API_BUCKETS,
  },
  apiRequests: {
    type: 'counter',
    name: 'remediation_api_requests_total',
    help: 'Kubernetes API requests by verb, kind and HTTP status code ("error" when no response)',
    labelNames: ['verb', 'kind', 'code'],
  },
  apiRequestDuration: {
    type: 'histogram',
    name: 'remediation_api_request_duration_seconds',
    help: 'Latency of one Kubernetes API request, by verb and kind',
    labelNames: ['verb', 'kind'],
    buckets: [...API_BUCKETS, 30],
  },
  apiQueueDepth: {
    type: 'gauge',
    name: 'remediation_api_writer_queue_depth',
    help: 'API writes waiting for a rate-limit token or a concurrency slot',
  },
  apiConcurrencyLimit: {
    type: 'gauge',
    name: 'remediation_api_writer_concurrency_limit',
    help: 'API writes allowed in flight at once by the adaptive limit (shrinks on 429 and rising latency)',
  },
  eventsDropped: {
    type: 'counter',
    name: 'remediation_events_dropped_total',
    help: 'Kubernetes Events dropped unsent because the API writer already had its most Events waiting',
  },
  mailboxDepth: {
    type: 'gauge',
    name: 'remediation_actor_mailbox_depth',
    help: 'Messages queued across all actor mailboxes',
  },
  actors: {
    type: 'gauge',
    name: 'remediation_actors',
    help: 'Actors by state (running, passivated)',
    labelNames: ['state'],
    known: KNOWN_LABELS.actorStates,
  },
  actorRestarts: {
    type: 'counter',
    name: 'remediation_actor_restarts_total',
    help: 'Actors restarted after a crash',
  },
  actorsStopped: {
    type: 'counter',
    name: 'remediation_actors_stopped_total',
    help: 'Actors that crashed more than --actor-max-restarts times, left stopped until their request changes',
  },
  informerEvents: {
    type: 'counter',
    name: 'remediation_informer_events_total',
    help: 'Watch events received by the informers, by kind and event type',
    labelNames: ['kind', 'type'],
    known: KNOWN_LABELS.informerEvents,
  },
  informerErrors: {
    type: 'counter',
    name: 'remediation_informer_errors_total',
    help: 'Informer list and watch failures, by kind and phase (list, watch)',
    labelNames: ['kind', 'phase'],
    known: KNOWN_LABELS.informerErrors,
  },
  notifications: {
    type: 'counter',
    name: 'remediation_notifications_total',
    help: 'NotificationRequests created, by type (approval, escalation, success, storm)',
    labelNames: ['type'],
    known: KNOWN_LABELS.notificationTypes,
  },
  childCreateFailures: {
    type: 'counter',
    name: 'remediation_child_create_failures_total',
    help: 'Creates of children and notifications that failed after the API writer retried, by kind and error code',
    labelNames: ['kind', 'code'],
    known: KNOWN_LABELS.childCreateFailures,
  },
  timeouts: {
    type: 'counter',
    name: 'remediation_timeouts_total',
    help: 'RemediationRequests that timed out, by the phase that timed out',
    labelNames: ['phase'],
    known: KNOWN_LABELS.timeouts,
  },
} as const satisfies Record<string, Definition>;

type Definitions = typeof METRIC_DEFINITIONS;
type LabelsOf<D> = D extends { labelNames: readonly (infer L extends string)[] } ? L : string;
type MetricOf<D extends Definition> = D['type'] extends 'counter'
  ? Counter<LabelsOf<D>>
  : D['type'] extends 'gauge'
    ? Gauge<LabelsOf<D>>
    : Histogram<LabelsOf<D>>;

/** The metrics of METRIC_DEFINITIONS (their comments are in docs/metrics.md), and their registry. */
export type Metrics = { [K in keyof Definitions]: MetricOf<Definitions[K]> } & {
  /** The registry all of the above (and the process metrics) are registered on. */
  registry: Registry;
};

function build(definition: Definition, registry: Registry): Counter | Gauge | Histogram {
  const { type, name, help, labelNames = [], buckets, known = [] } = definition;
  const config = { name, help, labelNames, registers: [registry] };
  if (type === 'histogram') {
    const histogram = new Histogram({ ...config, buckets: buckets && [...buckets] });
    for (const labels of known) histogram.zero(labels);
    return histogram;
  }
  const metric = type === 'counter' ? new Counter(config) : new Gauge(config);
  for (const labels of known) metric.inc(labels, 0);
  return metric;
}

/** All metrics on `registry` (a fresh one by default), plus prom-client's process metrics (CPU, RSS, event loop). */
export function createMetrics(registry: Registry = new Registry()): Metrics {
  collectDefaultMetrics({ register: registry });
  const metrics: Record<string, unknown> = { registry };
  for (const [key, definition] of Object.entries(METRIC_DEFINITIONS))
    metrics[key] = build(definition, registry);
  return metrics as Metrics;
}
