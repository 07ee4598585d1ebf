// One typed configuration for the whole process, read from flags and environment by main.ts only.
//
// `loadConfig` is pure: it reads nothing but its arguments, so tests and main.ts see the same rules.
// Precedence is flag > environment variable > default. Every setting is declared once in SETTINGS;
// the parser, `configHelp()` and docs/configuration.md all follow that table.
import { EVENT_POLICIES, type EventPolicy } from './actors/effects.js';
import type { BackoffPolicy } from './util/backoff.js';
import { formatDuration, parseDuration } from './util/duration.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export interface Config {
  kube: {
    /** --kubeconfig, KUBECONFIG; absent = in-cluster service account, else ~/.kube/config. */
    kubeconfig?: string;
    /** --context; absent = the kubeconfig's current context. */
    context?: string;
    /** --namespaces=a,b; empty = watch all namespaces (needs cluster-wide RBAC). */
    namespaces: string[];
  };
  /** Controller-wide phase timeouts in ms (API.md); a request's spec.timeouts overrides them. */
  timeouts: {
    /** 1h: the whole remediation, from status.startTime. */
    global: number;
    /** 15m: signal enrichment should be quick; longer means the processor is stuck. */
    processing: number;
    /** 15m: AI analysis, bounded so a hung model does not hold the request. */
    analyzing: number;
    /** 15m: a human answers an approval within a page rotation, or the request escalates. */
    awaitingApproval: number;
    /** 15m: workflow planning is computation only. */
    workflowPlanning: number;
    /** 30m: executing steps touches the cluster (rollouts, restarts), so it gets more time. */
    executing: number;
  };
  retention: {
    /** 24h: terminal requests stay a day for post-mortems, then are deleted with their children. */
    afterCompletionMs: number;
  };
  notifications: {
    /** ['slack']: channels written into every NotificationRequest we create. */
    channels: string[];
  };
  status: {
    /**
     * 1s: a step's progress alone (a step done, the next created) waits at most this long for a
     * status write, so steps finishing close together share one; phase changes are written at once.
     */
    progressIntervalMs: number;
  };
  events: {
    /**
     * outcomes: Kubernetes Events cost the API server a write each; status.phaseHistory already
     * records every transition, so by default only waits for approval, outcomes and warnings get one.
     */
    policy: EventPolicy;
  };
  api: {
    /** 50: steady write rate to the API server, so a storm queues instead of overloading it. */
    qps: number;
    /** 100: short bursts above qps, e.g. a batch of children after a resync. */
    burst: number;
    /** 32: writes in flight at once; more only adds contention on the API server. */
    maxConcurrent: number;
    /** 6: retries of a transient failure (~6s of backoff) before the effect reports failure. */
    maxRetries: number;
    /** 100ms..30s, jitter 0.5: spreads retries of many actors so they do not synchronise. */
    backoff: BackoffPolicy;
  };
  informer: {
    /** 250ms..30s, jitter 0.5: re-watch/relist after a lost watch without hammering the API. */
    backoff: BackoffPolicy;
    /** 500: objects per LIST page, bounding memory and API server work per call. */
    pageSize: number;
  };
  actors: {
    /** 500ms..60s, jitter 0.5: delay before restarting an actor that crashed. */
    restartBackoff: BackoffPolicy;
    /** 10: restarts of one actor before it is left stopped and the request is reported. */
    maxRestarts: number;
    /** 50: phase transitions kept in memory per actor for debugging. */
    phaseHistoryLimit: number;
    /** 10000: UIDs of recently finished requests remembered to ignore their late events. */
    recentlyFinishedCacheSize: number;
    /** 10s: bound on stopping all actors at shutdown, below the pod's grace period (30s). */
    shutdownTimeoutMs: number;
  };
  server: {
    /** 0.0.0.0: serve /metrics, /healthz, /readyz on every interface for the kubelet and Prometheus. */
    host: string;
    /** 8080: the conventional metrics port. */
    port: number;
  };
  log: {
    /** info: one line per transition; debug adds every event. */
    level: LogLevel;
  };
  leaderElection: {
    /** false: off for local runs; turn it on whenever more than one replica runs, so only one writes. */
    enabled: boolean;
    /** remediation-orchestrator: name of the coordination.k8s.io Lease. */
    leaseName: string;
    /** POD_NAMESPACE, else "default": the Lease lives next to the pod. */
    leaseNamespace: string;
    /** POD_NAME, else hostname_pid: must differ between replicas. */
    identity: string;
    /** 15s: how long a Lease holds without renewal; failover takes up to this long. */
    leaseDurationMs: number;
    /** 10s: the leader gives up (and exits) if it cannot renew within this. */
    renewDeadlineMs: number;
    /** 2s: how often candidates try to acquire, and the leader renews. */
    retryPeriodMs: number;
  };
}

/** The process facts that are neither flags nor environment; main.ts passes them, tests need not. */
export interface HostFacts {
  hostname?: string;
  pid?: number;
}

const DEFAULT_IDENTITY = 'remediation-orchestrator';

/** The configuration when no flag and no environment variable is set. */
export function defaultConfig(): Config {
  return {
    kube: { namespaces: [] },
    timeouts: {
      global: 3_600_000,
      processing: 900_000,
      analyzing: 900_000,
      awaitingApproval: 900_000,
      workflowPlanning: 900_000,
      executing: 1_800_000,
    },
    retention: { afterCompletionMs: 86_400_000 },
    notifications: { channels: ['slack'] },
    status: { progressIntervalMs: 10_000 },
    events: { policy: 'outcomes' },
    api: {
      qps: 50,
      burst: 100,
      maxConcurrent: 32,
      maxRetries: 6,
      backoff: { initialMs: 100, maxMs: 30_000, jitter: 0.5 },
    },
    informer: { backoff: { initialMs: 250, maxMs: 30_000, jitter: 0.5 }, pageSize: 500 },
    actors: {
      restartBackoff: { initialMs: 500, maxMs: 60_000, jitter: 0.5 },
      maxRestarts: 10,
      phaseHistoryLimit: 50,
      recentlyFinishedCacheSize: 10_000,
      shutdownTimeoutMs: 10_000,
    },
    server: { host: '0.0.0.0', port: 8080 },
    log: { level: 'info' },
    leaderElection: {
      enabled: false,
      leaseName: 'remediation-orchestrator',
      leaseNamespace: 'default',
      identity: DEFAULT_IDENTITY,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    },
  };
}

/** A configuration that cannot start the process: terminal, never retried. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Stable code for the error catalog. */
  readonly code = 'CONFIG_INVALID';
  readonly retryable = false;
  /** The flag or environment variable at fault (e.g. "--qps" or "ORCHESTRATOR_QPS"). */
  readonly setting: string;
  /** The value received, verbatim. */
  readonly value: string | undefined;

  constructor(setting: string, value: string | undefined, message: string) {
    super(message);
    this.setting = setting;
    this.value = value;
  }
}

// ---------------------------------------------------------------------------------------------
// The settings table

type Kind =
  'string' | 'list' | 'duration' | 'number' | 'integer' | 'boolean' | 'address' | 'level' | 'choice';

interface Setting {
  flag: string;
  /** Environment variable; ORCHESTRATOR_ + upper snake of the flag unless a platform name exists. */
  env: string;
  kind: Kind;
  group: string;
  /** An example value for error messages and help. */
  example: string;
  /** The default as written on the command line (or a sentence when it is derived). */
  shown: (d: Config) => string;
  help: string;
  /** The least value of an integer setting (0 when absent). */
  min?: number;
}

const envOf = (flag: string): string => `ORCHESTRATOR_${flag.toUpperCase().replaceAll('-', '_')}`;
/** Go spelling of a duration, in ms below a second ("100ms" reads better than "0.1s"). */
const dur = (ms: number): string =>
  ms > 0 && ms < 1000 && Number.isInteger(ms) ? `${ms}ms` : formatDuration(ms);

function setting(
  flag: string,
  kind: Kind,
  group: string,
  example: string,
  shown: (d: Config) => string,
  help: string,
  env: string = envOf(flag),
): Setting {
  return { flag, env, kind, group, example, shown, help };
}

/** An integer setting whose value must be at least `min`. */
const atLeast = (min: number, s: Setting): Setting => ({ ...s, min });

const SETTINGS: readonly Setting[] = [
  setting(
    'kubeconfig',
    'string',
    'Kubernetes',
    '/home/me/.kube/config',
    () => 'in-cluster, else ~/.kube/config',
    'Path to a kubeconfig file.',
    'KUBECONFIG',
  ),
  setting(
    'context',
    'string',
    'Kubernetes',
    'kind-dev',
    () => "the kubeconfig's current context",
    'Kubeconfig context to use.',
  ),
  setting(
    'namespaces',
    'list',
    'Kubernetes',
    'team-a,team-b',
    () => 'all namespaces',
    'Comma-separated namespaces to watch.',
  ),
  setting(
    'timeout-global',
    'duration',
    'Timeouts',
    '1h',
    (d) => dur(d.timeouts.global),
    'Whole-remediation timeout, from status.startTime.',
  ),
  setting(
    'timeout-processing',
    'duration',
    'Timeouts',
    '15m',
    (d) => dur(d.timeouts.processing),
    'Processing phase timeout.',
  ),
  setting(
    'timeout-analyzing',
    'duration',
    'Timeouts',
    '15m',
    (d) => dur(d.timeouts.analyzing),
    'Analyzing phase timeout.',
  ),
  setting(
    'timeout-awaiting-approval',
    'duration',
    'Timeouts',
    '15m',
    (d) => dur(d.timeouts.awaitingApproval),
    'AwaitingApproval phase timeout.',
  ),
  setting(
    'timeout-workflow-planning',
    'duration',
    'Timeouts',
    '15m',
    (d) => dur(d.timeouts.workflowPlanning),
    'WorkflowPlanning phase timeout.',
  ),
  setting(
    'timeout-executing',
    'duration',
    'Timeouts',
    '30m',
    (d) => dur(d.timeouts.executing),
    'Executing phase timeout.',
  ),
  setting(
    'retention',
    'duration',
    'Retention',
    '24h',
    (d) => dur(d.retention.afterCompletionMs),
    'How long a finished request is kept before it is deleted.',
  ),
  setting(
    'notification-channels',
    'list',
    'Notifications',
    'slack,email',
    (d) => d.notifications.channels.join(','),
    'Comma-separated channels of created NotificationRequests.',
  ),
  setting(
    'status-progress-interval',
    'duration',
    'Status',
    '10s',
    (d) => dur(d.status.progressIntervalMs),
    'Longest wait of step progress for a status write (phase changes are written at once).',
  ),
  setting(
    'events',
    'choice',
    'Events',
    'transitions',
    (d) => d.events.policy,
    `Kubernetes Events recorded: ${EVENT_POLICIES.join(', ')} (outcomes = approval waits, outcomes and warnings).`,
  ),
  setting(
    'qps',
    'number',
    'API writes',
    '50',
    (d) => String(d.api.qps),
    'Sustained API writes per second (token bucket rate).',
  ),
  atLeast(
    1,
    setting(
      'burst',
      'integer',
      'API writes',
      '100',
      (d) => String(d.api.burst),
      'API writes allowed in a burst (token bucket size, >= 1).',
    ),
  ),
  atLeast(
    1,
    setting(
      'max-concurrent-writes',
      'integer',
      'API writes',
      '32',
      (d) => String(d.api.maxConcurrent),
      'API writes in flight at once.',
    ),
  ),
  setting(
    'max-retries',
    'integer',
    'API writes',
    '6',
    (d) => String(d.api.maxRetries),
    'Retries of a transient API failure (0 = none).',
  ),
  setting(
    'api-backoff-initial',
    'duration',
    'API writes',
    '100ms',
    (d) => dur(d.api.backoff.initialMs),
    'First retry delay of an API write.',
  ),
  setting(
    'api-backoff-max',
    'duration',
    'API writes',
    '30s',
    (d) => dur(d.api.backoff.maxMs),
    'Longest retry delay of an API write.',
  ),
  setting(
    'informer-backoff-initial',
    'duration',
    'Informers',
    '250ms',
    (d) => dur(d.informer.backoff.initialMs),
    'First delay before re-watching after a lost watch.',
  ),
  setting(
    'informer-backoff-max',
    'duration',
    'Informers',
    '30s',
    (d) => dur(d.informer.backoff.maxMs),
    'Longest delay before re-watching.',
  ),
  atLeast(
    1,
    setting(
      'informer-page-size',
      'integer',
      'Informers',
      '500',
      (d) => String(d.informer.pageSize),
      'Objects per LIST page.',
    ),
  ),
  setting(
    'actor-restart-backoff-initial',
    'duration',
    'Actors',
    '500ms',
    (d) => dur(d.actors.restartBackoff.initialMs),
    'First delay before restarting a crashed actor.',
  ),
  setting(
    'actor-restart-backoff-max',
    'duration',
    'Actors',
    '60s',
    (d) => dur(d.actors.restartBackoff.maxMs),
    'Longest delay before restarting a crashed actor.',
  ),
  setting(
    'actor-max-restarts',
    'integer',
    'Actors',
    '10',
    (d) => String(d.actors.maxRestarts),
    'Restarts of one actor before it is left stopped (0 = never restart).',
  ),
  atLeast(
    1,
    setting(
      'phase-history-limit',
      'integer',
      'Actors',
      '50',
      (d) => String(d.actors.phaseHistoryLimit),
      'Phase transitions kept in memory per actor.',
    ),
  ),
  atLeast(
    1,
    setting(
      'recently-finished-cache-size',
      'integer',
      'Actors',
      '10000',
      (d) => String(d.actors.recentlyFinishedCacheSize),
      'Finished request UIDs remembered to ignore late events.',
    ),
  ),
  setting(
    'shutdown-timeout',
    'duration',
    'Actors',
    '10s',
    (d) => dur(d.actors.shutdownTimeoutMs),
    'Bound on stopping all actors at shutdown.',
  ),
  setting(
    'metrics-bind-address',
    'address',
    'Server',
    '0.0.0.0:8080',
    (d) => `${d.server.host}:${d.server.port}`,
    'host:port serving /metrics, /healthz, /readyz (":8080" = all interfaces, port 0 = any free port).',
  ),
  setting(
    'log-level',
    'level',
    'Logging',
    'debug',
    (d) => d.log.level,
    `Log level: ${LOG_LEVELS.join(', ')}.`,
  ),
  setting(
    'leader-elect',
    'boolean',
    'Leader election',
    'true',
    (d) => String(d.leaderElection.enabled),
    'Run actors only while holding the Lease (turn on with more than one replica).',
  ),
  setting(
    'leader-election-id',
    'string',
    'Leader election',
    'remediation-orchestrator',
    (d) => d.leaderElection.leaseName,
    'Name of the Lease.',
  ),
  setting(
    'leader-election-namespace',
    'string',
    'Leader election',
    'kubernaut-system',
    (d) => `"${d.leaderElection.leaseNamespace}"`,
    'Namespace of the Lease.',
    'POD_NAMESPACE',
  ),
  setting(
    'leader-election-identity',
    'string',
    'Leader election',
    'remediation-orchestrator-7d9f-abcde',
    () => 'hostname_pid (HOSTNAME env)',
    'Holder identity written into the Lease; unique per replica.',
    'POD_NAME',
  ),
  setting(
    'leader-election-lease-duration',
    'duration',
    'Leader election',
    '15s',
    (d) => dur(d.leaderElection.leaseDurationMs),
    'How long a Lease holds without renewal.',
  ),
  setting(
    'leader-election-renew-deadline',
    'duration',
    'Leader election',
    '10s',
    (d) => dur(d.leaderElection.renewDeadlineMs),
    'The leader gives up if it cannot renew within this (< lease duration).',
  ),
  setting(
    'leader-election-retry-period',
    'duration',
    'Leader election',
    '2s',
    (d) => dur(d.leaderElection.retryPeriodMs),
    'Interval between acquire/renew attempts (< renew deadline).',
  ),
];

const BY_FLAG = new Map(SETTINGS.map((s) => [s.flag, s]));

// ---------------------------------------------------------------------------------------------
// Reading raw values

/** A value as received, with where it came from, so that errors can point at it. */
interface Raw {
  text: string;
  /** "--qps" or "ORCHESTRATOR_QPS". */
  source: string;
  fromFlag: boolean;
  setting: Setting;
}

/** True when argv asks for the help text (main.ts then prints `configHelp()` and exits 0). */
export function helpRequested(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--help' || a === '-h');
}

function knownFlags(): string {
  return SETTINGS.map((s) => `--${s.flag}`).join(', ');
}

function readRaw(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Map<string, Raw> {
  const raw = new Map<string, Raw>();
  for (const s of SETTINGS) {
    const text = env[s.env];
    // An empty variable counts as unset: templates often render `VALUE: ""` for "not configured".
    if (text !== undefined && text !== '')
      raw.set(s.flag, { text, source: s.env, fromFlag: false, setting: s });
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') continue;
    if (!arg.startsWith('--') || arg === '--') {
      throw new ConfigError(
        arg,
        arg,
        `"${arg}": unexpected argument; write settings as --name=value (see --help)`,
      );
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const s = BY_FLAG.get(name);
    if (!s) {
      throw new ConfigError(
        `--${name}`,
        arg,
        `--${name}: unknown flag; write one of ${knownFlags()} (see --help)`,
      );
    }
    let text: string;
    if (eq !== -1) {
      text = arg.slice(eq + 1);
    } else if (s.kind === 'boolean') {
      // A bare boolean flag means true; `--leader-elect false` would be ambiguous, so use `=`.
      text = 'true';
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new ConfigError(
          `--${name}`,
          undefined,
          `--${name}: no value given; write e.g. --${name}=${s.example}`,
        );
      }
      text = next;
      i++;
    }
    raw.set(s.flag, { text, source: `--${s.flag}`, fromFlag: true, setting: s });
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------
// Parsing and validating

function fail(r: Raw, rule: string): never {
  const s = r.setting;
  const fix = r.fromFlag ? `--${s.flag}=${s.example}` : `${s.env}=${s.example}`;
  throw new ConfigError(r.source, r.text, `${r.source}: "${r.text}" ${rule}; write e.g. ${fix}`);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function parseList(r: Raw): string[] {
  return r.text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

function parseDurationMs(r: Raw): number {
  let ms: number;
  try {
    ms = parseDuration(r.text.trim());
  } catch {
    fail(r, 'is not a Go duration (90s, 15m, 1h30m)');
  }
  if (ms <= 0) fail(r, 'is not longer than zero');
  return ms;
}

function parsePositive(r: Raw): number {
  const n = Number(r.text.trim());
  if (r.text.trim() === '' || !Number.isFinite(n) || n <= 0) fail(r, 'is not a positive number');
  return n;
}

function parseInteger(r: Raw, min: number): number {
  const t = r.text.trim();
  const n = Number(t);
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(n) || n < min) {
    fail(r, min === 0 ? 'is not a whole number >= 0' : `is not a whole number >= ${min}`);
  }
  return n;
}

function parseBoolean(r: Raw): boolean {
  const t = r.text.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return fail(r, 'is not true or false');
}

function parseLevel(r: Raw): LogLevel {
  const t = r.text.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(t))
    fail(r, `is not a log level (${LOG_LEVELS.join(', ')})`);
  return t as LogLevel;
}

function parseEventPolicy(r: Raw): EventPolicy {
  const t = r.text.trim().toLowerCase();
  if (!(EVENT_POLICIES as readonly string[]).includes(t))
    fail(r, `is not one of ${EVENT_POLICIES.join(', ')}`);
  return t as EventPolicy;
}

function parseAddress(r: Raw): { host: string; port: number } {
  const t = r.text.trim();
  const colon = t.lastIndexOf(':');
  if (colon === -1) fail(r, 'is not host:port');
  let host = t.slice(0, colon);
  const portText = t.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1); // [::1]:8080
  if (host === '') host = '0.0.0.0';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) fail(r, 'does not end in a port 0-65535');
  return { host, port };
}

/**
 * The configuration from command-line flags (process.argv.slice(2)) and environment, over defaults.
 * Throws ConfigError naming the flag or variable, the value and the fix. `--help` is ignored here:
 * check `helpRequested(argv)` first. `host` supplies hostname and pid for the default Lease identity.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  host: HostFacts = {},
): Config {
  const raw = readRaw(argv, env);
  const d = defaultConfig();
  function get<T>(flag: string, parse: (r: Raw) => T, fallback: T): T {
    if (!BY_FLAG.has(flag)) throw new Error(`config: no setting --${flag}`); // a bug here, not the user's
    const r = raw.get(flag);
    return r === undefined ? fallback : parse(r);
  }
  const optional = (r: Raw): string | undefined => (r.text.trim() === '' ? undefined : r.text.trim());
  const duration = (flag: string, fallback: number): number => get(flag, parseDurationMs, fallback);
  const integer = (flag: string, fallback: number): number =>
    get(flag, (r) => parseInteger(r, BY_FLAG.get(flag)?.min ?? 0), fallback);

  const namespaces = get(
    'namespaces',
    (r) => {
      const list = parseList(r);
      const bad = list.find((n) => !DNS_LABEL.test(n) || n.length > 63);
      if (bad !== undefined) fail(r, `names "${bad}", which is not a namespace name (lowercase DNS label)`);
      return list;
    },
    d.kube.namespaces,
  );
  const channels = get(
    'notification-channels',
    (r) => {
      const list = parseList(r);
      if (list.length === 0) fail(r, 'lists no channel');
      return list;
    },
    d.notifications.channels,
  );

  const kubeconfig = get('kubeconfig', optional, undefined);
  const context = get('context', optional, undefined);

  const config: Config = {
    kube: {
      ...(kubeconfig !== undefined ? { kubeconfig } : {}),
      ...(context !== undefined ? { context } : {}),
      namespaces,
    },
    timeouts: {
      global: duration('timeout-global', d.timeouts.global),
      processing: duration('timeout-processing', d.timeouts.processing),
      analyzing: duration('timeout-analyzing', d.timeouts.analyzing),
      awaitingApproval: duration('timeout-awaiting-approval', d.timeouts.awaitingApproval),
      workflowPlanning: duration('timeout-workflow-planning', d.timeouts.workflowPlanning),
      executing: duration('timeout-executing', d.timeouts.executing),
    },
    retention: { afterCompletionMs: duration('retention', d.retention.afterCompletionMs) },
    notifications: { channels },
    status: { progressIntervalMs: duration('status-progress-interval', d.status.progressIntervalMs) },
    events: { policy: get('events', parseEventPolicy, d.events.policy) },
    api: {
      qps: get('qps', parsePositive, d.api.qps),
      burst: integer('burst', d.api.burst),
      maxConcurrent: integer('max-concurrent-writes', d.api.maxConcurrent),
      maxRetries: integer('max-retries', d.api.maxRetries),
      backoff: {
        initialMs: duration('api-backoff-initial', d.api.backoff.initialMs),
        maxMs: duration('api-backoff-max', d.api.backoff.maxMs),
        jitter: d.api.backoff.jitter,
      },
    },
    informer: {
      backoff: {
        initialMs: duration('informer-backoff-initial', d.informer.backoff.initialMs),
        maxMs: duration('informer-backoff-max', d.informer.backoff.maxMs),
        jitter: d.informer.backoff.jitter,
      },
      pageSize: integer('informer-page-size', d.informer.pageSize),
    },
    actors: {
      restartBackoff: {
        initialMs: duration('actor-restart-backoff-initial', d.actors.restartBackoff.initialMs),
        maxMs: duration('actor-restart-backoff-max', d.actors.restartBackoff.maxMs),
        jitter: d.actors.restartBackoff.jitter,
      },
      maxRestarts: integer('actor-max-restarts', d.actors.maxRestarts),
      phaseHistoryLimit: integer('phase-history-limit', d.actors.phaseHistoryLimit),
      recentlyFinishedCacheSize: integer('recently-finished-cache-size', d.actors.recentlyFinishedCacheSize),
      shutdownTimeoutMs: duration('shutdown-timeout', d.actors.shutdownTimeoutMs),
    },
    server: get('metrics-bind-address', parseAddress, d.server),
    log: { level: get('log-level', parseLevel, d.log.level) },
    leaderElection: {
      enabled: get('leader-elect', parseBoolean, d.leaderElection.enabled),
      leaseName: get(
        'leader-election-id',
        (r) => {
          const t = r.text.trim();
          if (!DNS_SUBDOMAIN.test(t) || t.length > 253)
            fail(r, 'is not a Lease name (lowercase DNS subdomain)');
          return t;
        },
        d.leaderElection.leaseName,
      ),
      leaseNamespace: get(
        'leader-election-namespace',
        (r) => {
          const t = r.text.trim();
          if (!DNS_LABEL.test(t) || t.length > 63) fail(r, 'is not a namespace name (lowercase DNS label)');
          return t;
        },
        d.leaderElection.leaseNamespace,
      ),
      identity: get(
        'leader-election-identity',
        (r) => optional(r) ?? fail(r, 'is empty'),
        defaultIdentity(env, host),
      ),
      leaseDurationMs: duration('leader-election-lease-duration', d.leaderElection.leaseDurationMs),
      renewDeadlineMs: duration('leader-election-renew-deadline', d.leaderElection.renewDeadlineMs),
      retryPeriodMs: duration('leader-election-retry-period', d.leaderElection.retryPeriodMs),
    },
  };

  checkOrder(
    raw,
    'api-backoff-initial',
    config.api.backoff.initialMs,
    'api-backoff-max',
    config.api.backoff.maxMs,
    'no longer than',
  );
  checkOrder(
    raw,
    'informer-backoff-initial',
    config.informer.backoff.initialMs,
    'informer-backoff-max',
    config.informer.backoff.maxMs,
    'no longer than',
  );
  checkOrder(
    raw,
    'actor-restart-backoff-initial',
    config.actors.restartBackoff.initialMs,
    'actor-restart-backoff-max',
    config.actors.restartBackoff.maxMs,
    'no longer than',
  );
  const le = config.leaderElection;
  checkOrder(
    raw,
    'leader-election-renew-deadline',
    le.renewDeadlineMs,
    'leader-election-lease-duration',
    le.leaseDurationMs,
    'shorter than',
  );
  checkOrder(
    raw,
    'leader-election-retry-period',
    le.retryPeriodMs,
    'leader-election-renew-deadline',
    le.renewDeadlineMs,
    'shorter than',
  );
  return config;
}

function defaultIdentity(env: Readonly<Record<string, string | undefined>>, host: HostFacts): string {
  const hostname = host.hostname || env.HOSTNAME || undefined;
  if (hostname === undefined)
    return host.pid === undefined ? DEFAULT_IDENTITY : `${DEFAULT_IDENTITY}_${host.pid}`;
  return host.pid === undefined ? hostname : `${hostname}_${host.pid}`;
}

/**
 * Checks `small` (strictly when `relation` is "shorter than") against `large` and blames whichever
 * of the two was set by the user, the smaller one first; the fix suggests a value that fits.
 */
function checkOrder(
  raw: Map<string, Raw>,
  smallFlag: string,
  small: number,
  largeFlag: string,
  large: number,
  relation: 'shorter than' | 'no longer than',
): void {
  const ok = relation === 'shorter than' ? small < large : small <= large;
  if (ok) return;
  const smallRaw = raw.get(smallFlag);
  const largeRaw = raw.get(largeFlag);
  const blameSmall = smallRaw !== undefined || largeRaw === undefined;
  const [flag, r, value, other, otherValue] = blameSmall
    ? [smallFlag, smallRaw, small, largeFlag, large]
    : [largeFlag, largeRaw, large, smallFlag, small];
  const s = BY_FLAG.get(flag)!;
  const source = r?.source ?? `--${flag}`;
  const written = r?.text ?? dur(value);
  const largeRule = relation === 'shorter than' ? 'is not longer than' : 'is shorter than';
  const rule = `${blameSmall ? `is not ${relation}` : largeRule} --${other} (${dur(otherValue)})`;
  const suggestion = blameSmall
    ? dur(relation === 'shorter than' ? Math.max(1, Math.floor(otherValue / 2)) : otherValue)
    : dur(otherValue * 2);
  const fix = r?.fromFlag === false ? `${s.env}=${suggestion}` : `--${flag}=${suggestion}`;
  throw new ConfigError(source, written, `${source}: "${written}" ${rule}; write e.g. ${fix}`);
}

/** The --help text: every flag, its environment variable, its default and what it is for. */
export function configHelp(): string {
  const d = defaultConfig();
  const lines = [
    'Usage: remediation-orchestrator [flags]',
    '',
    'Flags take --name=value or --name value (booleans: --leader-elect, --leader-elect=false).',
    'A flag overrides its environment variable, which overrides the default.',
    'Durations are Go durations: 90s, 15m, 1h30m.',
  ];
  let group = '';
  for (const s of SETTINGS) {
    if (s.group !== group) {
      group = s.group;
      lines.push('', `${group}:`);
    }
    const value = s.kind === 'boolean' ? '' : `=${s.example}`;
    lines.push(`  --${s.flag}${value}`, `      ${s.help}`, `      env ${s.env}; default ${s.shown(d)}`);
  }
  lines.push('', '  -h, --help', '      Print this help and exit.');
  return lines.join('\n');
}

export type SettingKind = Kind;

/** The values a setting of kind `level` or `choice` accepts. */
const CHOICES: Partial<Record<Kind, readonly string[]>> = { level: LOG_LEVELS, choice: EVENT_POLICIES };

/** The settings table (flag, env, default, meaning, kind), for docs and tooling such as the Helm chart's schema. */
export function configSettings(): {
  flag: string;
  env: string;
  default: string;
  help: string;
  group: string;
  kind: SettingKind;
  choices?: readonly string[];
  min?: number;
}[] {
  const d = defaultConfig();
  return SETTINGS.map((s) => ({
    flag: `--${s.flag}`,
    env: s.env,
    default: s.shown(d),
    help: s.help,
    group: s.group,
    kind: s.kind,
    ...(CHOICES[s.kind] ? { choices: CHOICES[s.kind] } : {}),
    ...(s.kind === 'integer' ? { min: s.min ?? 0 } : {}),
  }));
}
