// The settings table: one row per setting, the only place a setting is declared. `Config`, its
// defaults, the parser, --help, the chart's values schema and docs/configuration.md all follow it.
import { EVENT_POLICIES } from '../actors/effects.js';
import { formatDuration } from '../util/duration.js';
import type { ConfigOf, Env, HostFacts, Row } from './row.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

// Node runs a timer longer than 2^31-1 ms (24.8 days) after 1 ms instead, and the deadline and
// retention timers are armed with these durations, so every maximum below stays under it.
/** Phase and global timeouts: a remediation still open after a week has outlived its alert. */
const TIMEOUT_MAX = 168 * HOUR;
/** Retention: the most whole days below Node's timer limit. */
const RETENTION_MAX = 576 * HOUR;
/** Waits between attempts, write batching, shutdown and Lease timings: longer reads as a hang. */
const INTERVAL_MAX = HOUR;

/** Every group is the first part of its rows' paths; the docs and --help use the title and note. */
export const GROUPS: Record<keyof Config, { title: string; note?: string }> = {
  kube: { title: 'Kubernetes' },
  timeouts: {
    title: 'Timeouts',
    note:
      "Controller defaults of API.md; a request's `spec.timeouts` overrides them. At most " +
      `${formatDuration(TIMEOUT_MAX)}: a remediation still open after a week has outlived its alert.`,
  },
  retention: {
    title: 'Retention',
    note:
      `At most ${formatDuration(RETENTION_MAX)} (24 days): Node fires a timer longer than 2^31-1 ms ` +
      '(24.8 days) at once, and the retention timer is armed with this duration.',
  },
  notifications: { title: 'Notifications' },
  status: { title: 'Status', note: `At most ${formatDuration(INTERVAL_MAX)}, like every interval.` },
  events: { title: 'Events' },
  api: {
    title: 'API writes',
    note:
      'One concurrency limit that follows the API server, and an optional token bucket, guard all ' +
      'writes (DESIGN.md, backpressure); a 429 waits for its Retry-After and is retried without limit. Delays ' +
      `at most ${formatDuration(INTERVAL_MAX)}: a longer wait between attempts reads as a hang.`,
  },
  informer: { title: 'Informers', note: `Delays at most ${formatDuration(INTERVAL_MAX)}.` },
  actors: { title: 'Actors', note: `Delays and the shutdown bound at most ${formatDuration(INTERVAL_MAX)}.` },
  server: { title: 'Server' },
  log: { title: 'Logging' },
  storm: {
    title: 'Storm protection',
    note:
      'The rules of API.md, "Storm protection": each holds a request in Blocked (or skips it) while it ' +
      'holds; 0 (or false) turns a rule off.',
  },
  leaderElection: {
    title: 'Leader election',
    note: `Only the Lease holder runs actors (DESIGN.md). Timings at most ${formatDuration(INTERVAL_MAX)}.`,
  },
};

const IDENTITY = 'remediation-orchestrator';

/** POD_NAME is read as the flag's variable; without it, hostname_pid tells replicas apart. */
function hostIdentity(env: Env, host: HostFacts): string {
  const name = host.hostname || env.HOSTNAME || undefined;
  if (name === undefined) return host.pid === undefined ? IDENTITY : `${IDENTITY}_${host.pid}`;
  return host.pid === undefined ? name : `${name}_${host.pid}`;
}

export const SETTINGS = [
  {
    path: 'kube.kubeconfig',
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    kind: 'string',
    default: undefined,
    defaultText: 'in-cluster, else ~/.kube/config',
    example: '/home/me/.kube/config',
    why: 'Path to a kubeconfig file: in a pod the service account is right, for local runs point at a kubeconfig.',
  },
  {
    path: 'kube.context',
    flag: 'context',
    kind: 'string',
    default: undefined,
    defaultText: "the kubeconfig's current context",
    example: 'kind-dev',
    why: 'Kubeconfig context to use, to pick a cluster without editing the kubeconfig.',
  },
  {
    path: 'kube.namespaces',
    flag: 'namespaces',
    kind: 'list',
    item: 'namespace',
    format: 'namespace',
    default: [],
    defaultText: 'all namespaces',
    example: 'team-a,team-b',
    why: 'Namespaces to watch: fewer namespaces need less RBAC, and all of them need cluster-wide RBAC.',
  },
  {
    path: 'kube.requestTimeoutMs',
    flag: 'request-timeout',
    kind: 'duration',
    default: 30 * SECOND,
    max: 5 * MINUTE,
    example: '30s',
    why:
      'A call to the API server (a watch: its first answer) given no answer for this long is given up ' +
      'and retried, and a connection that then does not answer a PING is dropped, with its watches; ' +
      "kube-apiserver ends its own calls after 60 s, undici's default would wait 300 s.",
  },
  {
    path: 'timeouts.global',
    flag: 'timeout-global',
    kind: 'duration',
    default: HOUR,
    max: TIMEOUT_MAX,
    example: '1h',
    why: 'Bound on the whole remediation, counted from status.startTime.',
  },
  {
    path: 'timeouts.processing',
    flag: 'timeout-processing',
    kind: 'duration',
    default: 15 * MINUTE,
    max: TIMEOUT_MAX,
    example: '15m',
    why: 'Bound on Processing: signal enrichment is quick, so longer means the processor is stuck.',
  },
  {
    path: 'timeouts.analyzing',
    flag: 'timeout-analyzing',
    kind: 'duration',
    default: 15 * MINUTE,
    max: TIMEOUT_MAX,
    example: '15m',
    why: 'Bound on Analyzing, so that a hung AI analysis does not hold the request.',
  },
  {
    path: 'timeouts.awaitingApproval',
    flag: 'timeout-awaiting-approval',
    kind: 'duration',
    default: 15 * MINUTE,
    max: TIMEOUT_MAX,
    example: '15m',
    why: 'Bound on AwaitingApproval: a human answers within a page rotation, or the request escalates.',
  },
  {
    path: 'timeouts.workflowPlanning',
    flag: 'timeout-workflow-planning',
    kind: 'duration',
    default: 15 * MINUTE,
    max: TIMEOUT_MAX,
    example: '15m',
    why: 'Bound on WorkflowPlanning, which is computation only.',
  },
  {
    path: 'timeouts.executing',
    flag: 'timeout-executing',
    kind: 'duration',
    default: 30 * MINUTE,
    max: TIMEOUT_MAX,
    example: '30m',
    why: 'Bound on Executing, longer than the others because its steps touch the cluster (rollouts, restarts).',
  },
  {
    path: 'retention.afterCompletionMs',
    flag: 'retention',
    kind: 'duration',
    default: 24 * HOUR,
    max: RETENTION_MAX,
    example: '24h',
    why: 'Finished requests stay a day for post-mortems, then are deleted with their children.',
  },
  {
    path: 'notifications.channels',
    flag: 'notification-channels',
    kind: 'list',
    item: 'channel',
    minItems: 1,
    default: ['slack'],
    example: 'slack,email',
    why: 'Channels written into every NotificationRequest created.',
  },
  {
    path: 'status.progressIntervalMs',
    flag: 'status-progress-interval',
    kind: 'duration',
    default: 10 * SECOND,
    max: INTERVAL_MAX,
    example: '10s',
    why:
      'While Executing, step progress alone waits at most this long for a status write, so steps ' +
      'finishing close together share one and a plan costs one status write per phase (phase changes, ' +
      'failures and outcomes are written at once; 1s gives a livelier `kubectl get rr` at a write per step).',
  },
  {
    path: 'events.policy',
    flag: 'events',
    kind: 'enum',
    choices: EVENT_POLICIES,
    default: 'outcomes',
    example: 'transitions',
    why:
      'Kubernetes Events recorded on a request: outcomes (approval waits, terminal phases, warnings), ' +
      'transitions (one per phase transition) or none; each is an API write, and status.phaseHistory ' +
      'records every transition either way.',
  },
  {
    path: 'api.qps',
    flag: 'qps',
    kind: 'integer',
    default: 0,
    min: 0,
    max: 10_000,
    example: '200',
    why:
      'A fixed cap on API writes per second (token bucket rate); 0 = none: the writer follows the API ' +
      "server instead, which protects itself with API Priority and Fairness, as controller-runtime's default.",
  },
  {
    path: 'api.burst',
    flag: 'burst',
    kind: 'integer',
    default: 100,
    min: 1,
    max: 10_000,
    example: '100',
    why: 'With --qps only: API writes allowed in a burst above it (token bucket size).',
  },
  {
    path: 'api.maxConcurrent',
    flag: 'max-concurrent-writes',
    kind: 'integer',
    default: 32,
    min: 1,
    max: 200,
    example: '32',
    why:
      'Most API writes in flight at once: the ceiling of the adaptive limit, which grows while the API ' +
      'server answers quickly and shrinks on 429 and rising latency; the server admits 200 mutating ' +
      'requests at a time by default.',
  },
  {
    path: 'api.maxRetries',
    flag: 'max-retries',
    kind: 'integer',
    default: 6,
    min: 0,
    max: 20,
    example: '6',
    why: 'Retries of a transient API failure (about 6s of backoff) before the effect reports failure; 0 = none.',
  },
  {
    path: 'api.backoff.initialMs',
    flag: 'api-backoff-initial',
    kind: 'duration',
    default: 100,
    max: INTERVAL_MAX,
    notLongerThan: 'api-backoff-max',
    example: '100ms',
    why: 'First retry delay of an API write; it doubles per attempt.',
  },
  {
    path: 'api.backoff.maxMs',
    flag: 'api-backoff-max',
    kind: 'duration',
    default: 30 * SECOND,
    max: INTERVAL_MAX,
    example: '30s',
    why: 'Longest retry delay of an API write.',
  },
  {
    path: 'api.backoff.jitter',
    kind: 'fixed',
    default: 0.5,
    why: 'Half of each retry delay is random, so many actors do not retry in step.',
  },
  {
    path: 'informer.backoff.initialMs',
    flag: 'informer-backoff-initial',
    kind: 'duration',
    default: 250,
    max: INTERVAL_MAX,
    notLongerThan: 'informer-backoff-max',
    example: '250ms',
    why: 'First delay before re-watching after a lost watch.',
  },
  {
    path: 'informer.backoff.maxMs',
    flag: 'informer-backoff-max',
    kind: 'duration',
    default: 30 * SECOND,
    max: INTERVAL_MAX,
    example: '30s',
    why: 'Longest delay before re-watching, so a down API server is not hammered.',
  },
  {
    path: 'informer.backoff.jitter',
    kind: 'fixed',
    default: 0.5,
    why: 'Half of each re-watch delay is random, so informers do not retry in step.',
  },
  {
    path: 'informer.pageSize',
    flag: 'informer-page-size',
    kind: 'integer',
    default: 500,
    min: 1,
    max: 10_000,
    example: '500',
    why: 'Objects per LIST page, bounding memory and API server work per call.',
  },
  {
    path: 'informer.syncTimeoutMs',
    flag: 'cache-sync-timeout',
    kind: 'duration',
    default: 2 * MINUTE,
    max: INTERVAL_MAX,
    example: '2m',
    why: 'The leader gives up its Lease (and exits) when its caches have not all listed in this time: a 403 or a missing CRD then shows in /readyz and another replica can try.',
  },
  {
    path: 'actors.restartBackoff.initialMs',
    flag: 'actor-restart-backoff-initial',
    kind: 'duration',
    default: 500,
    max: INTERVAL_MAX,
    notLongerThan: 'actor-restart-backoff-max',
    example: '500ms',
    why: 'First delay before restarting an actor that crashed.',
  },
  {
    path: 'actors.restartBackoff.maxMs',
    flag: 'actor-restart-backoff-max',
    kind: 'duration',
    default: MINUTE,
    max: INTERVAL_MAX,
    example: '60s',
    why: 'Longest delay before restarting a crashed actor.',
  },
  {
    path: 'actors.restartBackoff.jitter',
    kind: 'fixed',
    default: 0.5,
    why: 'Half of each restart delay is random, so actors that crashed together do not restart together.',
  },
  {
    path: 'actors.maxRestarts',
    flag: 'actor-max-restarts',
    kind: 'integer',
    default: 10,
    min: 0,
    max: 100,
    example: '10',
    why: 'Restarts of one actor before it is left stopped and the request reported, not looped on (0 = never restart).',
  },
  {
    path: 'actors.phaseHistoryLimit',
    flag: 'phase-history-limit',
    kind: 'integer',
    default: 50,
    min: 1,
    max: 1000,
    example: '50',
    why: 'Phase transitions kept in memory per actor for debugging.',
  },
  {
    path: 'actors.recentlyFinishedCacheSize',
    flag: 'recently-finished-cache-size',
    kind: 'integer',
    default: 10_000,
    min: 1,
    max: 1_000_000,
    example: '10000',
    why:
      'UIDs of finished requests remembered so that their late events do not respawn actors; each ' +
      'costs about 1.3 KB of heap with its retention entry (docs/learned.md).',
  },
  {
    path: 'actors.shutdownTimeoutMs',
    flag: 'shutdown-timeout',
    kind: 'duration',
    default: 10 * SECOND,
    max: INTERVAL_MAX,
    example: '10s',
    why: "Bound on stopping all actors at shutdown, well inside the pod's grace period (30s).",
  },
  {
    path: 'server',
    flag: 'metrics-bind-address',
    kind: 'address',
    default: { host: '0.0.0.0', port: 8080 },
    example: '0.0.0.0:8080',
    why:
      'host:port serving /metrics, /healthz and /readyz to Prometheus and the kubelet (":8080" = all ' +
      'interfaces, "[::1]:8080" for IPv6, port 0 = any free port).',
  },
  {
    path: 'log.level',
    flag: 'log-level',
    kind: 'enum',
    choices: LOG_LEVELS,
    noun: 'a log level',
    default: 'info',
    example: 'debug',
    why: 'Log level: info logs one line per transition, debug adds every event.',
  },
  {
    path: 'leaderElection.enabled',
    flag: 'leader-elect',
    kind: 'boolean',
    default: false,
    example: 'true',
    why: 'Run actors only while holding the Lease: off for local runs, on whenever more than one replica runs.',
  },
  {
    path: 'leaderElection.leaseName',
    flag: 'leader-election-id',
    kind: 'string',
    format: 'lease-name',
    default: 'remediation-orchestrator',
    example: 'remediation-orchestrator',
    why: 'Name of the coordination.k8s.io Lease.',
  },
  {
    path: 'leaderElection.leaseNamespace',
    flag: 'leader-election-namespace',
    env: 'POD_NAMESPACE',
    kind: 'string',
    format: 'namespace',
    default: 'default',
    defaultText: 'the "default" namespace',
    example: 'kubernaut-system',
    why: "Namespace of the Lease: the pod's own (POD_NAMESPACE from the downward API).",
  },
  {
    path: 'leaderElection.identity',
    flag: 'leader-election-identity',
    env: 'POD_NAME',
    kind: 'string',
    default: IDENTITY,
    defaultFrom: hostIdentity,
    defaultText: 'hostname_pid (HOSTNAME env)',
    example: 'remediation-orchestrator-7d9f-abcde',
    why: 'Holder identity written into the Lease; it must differ between replicas.',
  },
  {
    path: 'leaderElection.leaseDurationMs',
    flag: 'leader-election-lease-duration',
    kind: 'duration',
    default: 15 * SECOND,
    max: INTERVAL_MAX,
    example: '15s',
    why: 'How long a Lease holds without renewal; fail-over takes up to this long.',
  },
  {
    path: 'leaderElection.renewDeadlineMs',
    flag: 'leader-election-renew-deadline',
    kind: 'duration',
    default: 10 * SECOND,
    max: INTERVAL_MAX,
    shorterThan: 'leader-election-lease-duration',
    example: '10s',
    why: 'The leader gives up (and exits) if it cannot renew within this.',
  },
  {
    path: 'leaderElection.retryPeriodMs',
    flag: 'leader-election-retry-period',
    kind: 'duration',
    default: 2 * SECOND,
    max: INTERVAL_MAX,
    shorterThan: 'leader-election-renew-deadline',
    example: '2s',
    why: 'Interval between attempts to acquire or renew the Lease.',
  },
  {
    path: 'storm.deduplicate',
    flag: 'deduplicate',
    kind: 'boolean',
    default: true,
    example: 'false',
    why:
      'DuplicateInProgress: a request waits on an earlier one of its namespace and fingerprint, and ends ' +
      'Skipped with its outcome, so one alert repeated is remediated once.',
  },
  {
    path: 'storm.serializeTargets',
    flag: 'serialize-targets',
    kind: 'boolean',
    default: true,
    example: 'false',
    why: 'ResourceBusy: one request per target (resource, else namespace and alert name) in Executing at a time.',
  },
  {
    path: 'storm.consecutiveFailures',
    flag: 'consecutive-failures',
    kind: 'integer',
    default: 3,
    min: 0,
    max: 100,
    example: '3',
    why:
      'ConsecutiveFailures: after this many failed remediations of a fingerprint in a row, its next ' +
      'request waits out --failure-cooldown with one escalation (0 = off).',
  },
  {
    path: 'storm.failureCooldownMs',
    flag: 'failure-cooldown',
    kind: 'duration',
    default: HOUR,
    max: TIMEOUT_MAX,
    offAtZero: true,
    example: '1h',
    why: 'ConsecutiveFailures: how long after the last failure the fingerprint is held back (0 = off).',
  },
  {
    path: 'storm.recentlyRemediatedMs',
    flag: 'recently-remediated',
    kind: 'duration',
    default: 5 * MINUTE,
    max: TIMEOUT_MAX,
    offAtZero: true,
    example: '5m',
    why: 'RecentlyRemediated: a request whose fingerprint completed less than this ago ends Skipped (0 = off).',
  },
  {
    path: 'storm.maxExecuting',
    flag: 'max-executing',
    kind: 'integer',
    default: 100,
    min: 0,
    max: 100_000,
    example: '100',
    why:
      'ExecutionLimit: requests in Executing cluster-wide; more wait before Executing, then go by ' +
      'severity, then age (0 = no limit).',
  },
  {
    path: 'storm.stormThreshold',
    flag: 'storm-threshold',
    kind: 'integer',
    default: 200,
    min: 0,
    max: 1_000_000,
    example: '200',
    why:
      'StormProtection: more new requests than this in the last minute is a storm; requests of severity ' +
      'other than critical wait until fewer than half arrive, with one storm notification (0 = off).',
  },
  {
    path: 'storm.maxBlockedMs',
    flag: 'max-blocked',
    kind: 'duration',
    default: 24 * HOUR,
    max: TIMEOUT_MAX,
    offAtZero: true,
    example: '24h',
    why: 'BlockedTooLong: a request Blocked this long ends Skipped with one escalation (0 = never).',
  },
] as const satisfies readonly Row[];

/** The one typed configuration of the process, grouped by concern; durations in ms. */
export type Config = ConfigOf<typeof SETTINGS>;
