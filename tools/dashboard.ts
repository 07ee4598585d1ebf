// The Grafana dashboard the Helm chart ships (charts/remediation-orchestrator/dashboards/), built with
// Grafana's foundation SDK. Edit this file, then `npm run gen:dashboard`; never the JSON.
import { fileURLToPath } from 'node:url';
import {
  BigValueColorMode,
  BigValueGraphMode,
  LegendDisplayMode,
  LegendPlacement,
  LineInterpolation,
  ReduceDataOptionsBuilder,
  SortOrder,
  StackingConfigBuilder,
  StackingMode,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
  type DataSourceRef,
} from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  AnnotationQueryBuilder,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

export const dashboardFile = fileURLToPath(
  new URL('../charts/remediation-orchestrator/dashboards/remediation-orchestrator.json', import.meta.url),
);

export const DASHBOARD_UID = 'remediation-orchestrator';

/** Every query goes to the Prometheus the viewer picks. */
const datasource: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
/** The series of one release: the ServiceMonitor's namespace and job (its Service's name). */
const sel = 'namespace=~"$namespace", job=~"$job"';
const rate = (metric: string, matchers = '') =>
  `rate(${metric}{${sel}${matchers ? `, ${matchers}` : ''}}[$__rate_interval])`;
const quantile = (q: number, histogram: string, by: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (${rate(`${histogram}_bucket`)}))`;

interface Query {
  expr: string;
  legend: string;
}
interface Size {
  w: number;
  h: number;
}
const WIDE: Size = { w: 12, h: 8 };
const THIRD: Size = { w: 8, h: 8 };
const TILE: Size = { w: 6, h: 4 };

const targets = (queries: Query[]) =>
  queries.map((q, i) =>
    new DataqueryBuilder()
      .datasource(datasource)
      .refId(String.fromCharCode(65 + i))
      .expr(q.expr)
      .legendFormat(q.legend)
      .range(),
  );

interface Series {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  size?: Size;
  stacked?: boolean;
  stepped?: boolean;
}

function series(p: Series): TimeseriesPanel {
  const panel = new TimeseriesPanel()
    .title(p.title)
    .description(p.description)
    .datasource(datasource)
    .gridPos({ x: 0, y: 0, ...(p.size ?? WIDE) })
    .unit(p.unit)
    .min(0)
    .fillOpacity(p.stacked ? 30 : 10)
    .lineInterpolation(p.stepped ? LineInterpolation.StepAfter : LineInterpolation.Linear)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
        .calcs([]),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));
  if (p.stacked) panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  for (const t of targets(p.queries)) panel.withTarget(t);
  return panel;
}

interface Tile {
  title: string;
  description: string;
  unit: string;
  query: string;
  /** Threshold steps: the base colour, then [value, colour] from which a colour applies. */
  colours: [string, ...[number, string][]];
}

function tile(p: Tile): StatPanel {
  const [base, ...steps] = p.colours;
  return new StatPanel()
    .title(p.title)
    .description(p.description)
    .datasource(datasource)
    .gridPos({ x: 0, y: 0, ...TILE })
    .unit(p.unit)
    .graphMode(BigValueGraphMode.Area)
    .colorMode(BigValueColorMode.Value)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(
      new ThresholdsConfigBuilder()
        .mode(ThresholdsMode.Absolute)
        .steps([{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))]),
    )
    .withTarget(targets([{ expr: p.query, legend: p.title }])[0]!);
}

const WRITE_VERBS = 'verb=~"create|patch|update|delete"';

/** The rows of the dashboard, top to bottom, each with its panels left to right. */
function rows(): [string, (TimeseriesPanel | StatPanel)[]][] {
  return [
    [
      'Overview',
      [
        tile({
          title: 'Replicas holding the Lease',
          description: 'Exactly one replica should hold the leader Lease; 0 means no remediation advances.',
          unit: 'none',
          query: `sum(remediation_leader{${sel}})`,
          colours: ['red', [1, 'green'], [2, 'red']],
        }),
        tile({
          title: 'Requests in flight',
          description: 'RemediationRequests in a non-terminal phase, on the leader.',
          unit: 'none',
          query: `sum(remediation_active_requests{${sel}})`,
          colours: ['green'],
        }),
        tile({
          title: 'Remediations finished',
          description: 'RemediationRequests reaching a terminal phase, per minute.',
          unit: 'opm',
          query: `sum(${rate('remediation_outcomes_total')}) * 60`,
          colours: ['green'],
        }),
        tile({
          title: 'Queued API writes',
          description:
            'Writes waiting for a rate-limit token or a concurrency slot (alert above 100 for 5m).',
          unit: 'none',
          query: `max(remediation_api_writer_queue_depth{${sel}})`,
          colours: ['green', [10, 'yellow'], [100, 'red']],
        }),
      ],
    ],
    [
      'Remediations',
      [
        series({
          title: 'Remediations per minute by outcome',
          description:
            'RemediationRequests reaching each terminal phase (Completed, Failed, TimedOut, Cancelled).',
          unit: 'opm',
          queries: [
            { expr: `sum by (phase) (${rate('remediation_outcomes_total')}) * 60`, legend: '{{phase}}' },
          ],
          stacked: true,
        }),
        series({
          title: 'Unsuccessful outcomes per minute by reason',
          description: 'Outcomes other than Completed, by terminal phase and status.reason.',
          unit: 'opm',
          queries: [
            {
              expr: `sum by (phase, reason) (${rate('remediation_outcomes_total', 'phase!="Completed"')}) * 60`,
              legend: '{{phase}}: {{reason}}',
            },
          ],
          stacked: true,
        }),
        series({
          title: 'Active requests by phase',
          description: 'RemediationRequests currently in each phase (reported by the leader).',
          unit: 'none',
          queries: [{ expr: `sum by (phase) (remediation_active_requests{${sel}})`, legend: '{{phase}}' }],
          stacked: true,
        }),
        series({
          title: 'Timeouts per minute by phase',
          description:
            'Requests that ended TimedOut, by the phase that timed out (Global: the global timeout).',
          unit: 'opm',
          queries: [
            { expr: `sum by (phase) (${rate('remediation_timeouts_total')}) * 60`, legend: '{{phase}}' },
          ],
          stacked: true,
        }),
        series({
          title: 'Phase duration p50',
          description: 'Median time spent in a phase, observed when a request leaves it.',
          unit: 's',
          queries: [
            { expr: quantile(0.5, 'remediation_phase_duration_seconds', 'phase'), legend: '{{phase}}' },
          ],
        }),
        series({
          title: 'Phase duration p99',
          description: '99th percentile of the time spent in a phase, observed when a request leaves it.',
          unit: 's',
          queries: [
            { expr: quantile(0.99, 'remediation_phase_duration_seconds', 'phase'), legend: '{{phase}}' },
          ],
        }),
      ],
    ],
    [
      'Storm protection',
      [
        series({
          title: 'Storm mode',
          description:
            'Whether an alert storm holds new non-critical requests back (StormProtection; docs/storm-protection.md; alert after 15m).',
          unit: 'none',
          queries: [{ expr: `max(remediation_storm_mode{${sel}})`, legend: 'storm' }],
          size: THIRD,
          stepped: true,
        }),
        series({
          title: 'Blocked requests by reason',
          description: 'RemediationRequests waiting in Blocked, by the rule that holds them (blockedReason).',
          unit: 'none',
          queries: [{ expr: `sum by (reason) (remediation_blocked_requests{${sel}})`, legend: '{{reason}}' }],
          size: THIRD,
          stacked: true,
        }),
        series({
          title: 'Skipped per minute by reason',
          description:
            'Requests that ended Skipped (Deduplicated, RecentlyRemediated, BlockedTooLong: alert on any).',
          unit: 'opm',
          queries: [
            { expr: `sum by (reason) (${rate('remediation_skipped_total')}) * 60`, legend: '{{reason}}' },
          ],
          size: THIRD,
          stacked: true,
        }),
      ],
    ],
    [
      'Kubernetes API',
      [
        series({
          title: "API writes per second, with the writer's queue",
          description:
            'Create, patch, update and delete calls by verb (retries included); on the right axis, writes ' +
            'waiting for a token or a slot. A queue that keeps growing: --qps or --max-concurrent-writes ' +
            'is too low for the load, or the API server is slow.',
          unit: 'wps',
          queries: [
            {
              expr: `sum by (verb) (${rate('remediation_api_requests_total', WRITE_VERBS)})`,
              legend: '{{verb}}',
            },
            { expr: `max(remediation_api_writer_queue_depth{${sel}})`, legend: 'queued writes' },
          ],
        }).overrideByQuery('B', [
          { id: 'unit', value: 'none' },
          { id: 'custom.axisPlacement', value: 'right' },
          { id: 'custom.axisLabel', value: 'queued writes' },
          { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
        ]),
        series({
          title: 'API answers other than 2xx, per second',
          description: 'By HTTP status; "error" when no answer arrived. 403: the RBAC lacks a verb.',
          unit: 'reqps',
          queries: [
            {
              expr: `sum by (code, verb) (${rate('remediation_api_requests_total', 'code!~"2.."')})`,
              legend: '{{code}} {{verb}}',
            },
          ],
        }),
        series({
          title: 'API request latency p99 by verb',
          description: 'One Kubernetes API call, each retry observed on its own.',
          unit: 's',
          queries: [
            { expr: quantile(0.99, 'remediation_api_request_duration_seconds', 'verb'), legend: '{{verb}}' },
          ],
        }),
        series({
          title: 'Watch failures per minute',
          description: 'Informer list and watch failures; the informer backs off and relists.',
          unit: 'opm',
          queries: [
            {
              expr: `sum by (kind, phase) (${rate('remediation_informer_errors_total')}) * 60`,
              legend: '{{kind}} {{phase}}',
            },
          ],
        }),
      ],
    ],
    [
      'Actors',
      [
        series({
          title: 'Actors by state',
          description: 'Actors in memory: running, or passivated while their request waits.',
          unit: 'none',
          size: THIRD,
          queries: [{ expr: `sum by (state) (remediation_actors{${sel}})`, legend: '{{state}}' }],
          stacked: true,
        }),
        series({
          title: 'Mailbox depth',
          description: 'Messages queued across all actor mailboxes.',
          unit: 'none',
          size: THIRD,
          queries: [{ expr: `sum(remediation_actor_mailbox_depth{${sel}})`, legend: 'messages' }],
        }),
        series({
          title: 'Actor restarts and stops per minute',
          description:
            'Actors rebuilt after their logic threw (the log has the stack), and actors left stopped after more than --actor-max-restarts crashes (their request shows the condition ActorStopped).',
          unit: 'opm',
          size: THIRD,
          queries: [
            { expr: `sum(${rate('remediation_actor_restarts_total')}) * 60`, legend: 'restarts' },
            { expr: `sum(${rate('remediation_actors_stopped_total')}) * 60`, legend: 'stopped' },
          ],
        }),
      ],
    ],
    [
      'Replicas',
      [
        series({
          title: 'Leader',
          description: '1 while a replica holds the leader Lease.',
          unit: 'none',
          queries: [{ expr: `max by (instance) (remediation_leader{${sel}})`, legend: '{{instance}}' }],
          stepped: true,
        }),
        series({
          title: 'CPU',
          description: 'CPU time per second (cores), user and system.',
          unit: 'none',
          queries: [
            { expr: `sum by (instance) (${rate('process_cpu_seconds_total')})`, legend: '{{instance}}' },
          ],
        }),
        series({
          title: 'Memory',
          description:
            'Resident set size, and the V8 heap in use. Keep --max-old-space-size about 70% of the limit.',
          unit: 'bytes',
          queries: [
            { expr: `max by (instance) (process_resident_memory_bytes{${sel}})`, legend: '{{instance}} RSS' },
            {
              expr: `max by (instance) (nodejs_heap_size_used_bytes{${sel}})`,
              legend: '{{instance}} heap used',
            },
          ],
        }),
        series({
          title: 'Event loop lag',
          description:
            'Event loop delay percentiles since the previous scrape; high values delay every actor.',
          unit: 's',
          queries: [
            {
              expr: `max by (instance) (nodejs_eventloop_lag_p99_seconds{${sel}})`,
              legend: '{{instance}} p99',
            },
            {
              expr: `max by (instance) (nodejs_eventloop_lag_p50_seconds{${sel}})`,
              legend: '{{instance}} p50',
            },
          ],
        }),
      ],
    ],
  ];
}

export function dashboard(): Dashboard {
  let id = 0;
  const board = new DashboardBuilder('Remediation Orchestrator')
    .uid(DASHBOARD_UID)
    .description('Remediations, the Kubernetes API writer, actors and replicas of one orchestrator release.')
    .tags(['kubernaut', 'remediation-orchestrator'])
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    .tooltip(DashboardCursorSync.Crosshair)
    .annotation(
      // Grafana's own annotations and alerts, which every dashboard it saves carries.
      new AnnotationQueryBuilder()
        .name('Annotations & Alerts')
        .datasource({ type: 'grafana', uid: '-- Grafana --' })
        .builtIn(1)
        .enable(true)
        .hide(true)
        .iconColor('rgba(0, 211, 255, 1)')
        .type('dashboard'),
    )
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('namespace')
        .label('Namespace')
        .datasource(datasource)
        .query('label_values(remediation_leader, namespace)')
        .definition('label_values(remediation_leader, namespace)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withVariable(
      new QueryVariableBuilder('job')
        .label('Job')
        .datasource(datasource)
        .query('label_values(remediation_leader{namespace=~"$namespace"}, job)')
        .definition('label_values(remediation_leader{namespace=~"$namespace"}, job)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    );
  for (const [title, panels] of rows()) {
    board.withRow(new RowBuilder(title).id(++id));
    for (const panel of panels) board.withPanel(panel.id(++id));
  }
  return board.build();
}

export const renderDashboard = (): string => `${JSON.stringify(dashboard(), null, 2)}\n`;
