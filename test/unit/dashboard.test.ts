import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { createMetrics } from '../../src/observability/index.js';
import { DASHBOARD_UID, dashboard, dashboardFile, renderDashboard } from '../../tools/dashboard.js';
import { exportedSeries, reads, TARGET_LABELS } from '../support/promql.js';

interface Panel {
  id?: number;
  type: string;
  title?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; refId?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

const SELECTOR = '{namespace=~"$namespace", job=~"$job"';

/** The panels of the dashboard, those inside collapsed rows included. */
function panels(): Panel[] {
  const top = (dashboard().panels ?? []) as Panel[];
  return top.flatMap((p) => [p, ...(p.panels ?? [])]);
}
const queried = () => panels().filter((p) => p.type !== 'row');
const exprs = () =>
  queried().flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr! })));

describe('the PromQL scanner of the dashboard test', function () {
  it('finds the metrics and labels an expression reads, not its functions, ranges or strings', function () {
    expect(
      reads(
        'histogram_quantile(0.99, sum by (le, verb) (rate(a_bucket{job=~"x|y", code!~"2.."}[$__rate_interval]))) * 60',
      ),
    ).to.deep.equal({ metrics: ['a_bucket'], labels: ['job', 'code', 'le', 'verb'] });
    expect(reads('max(b) / on (instance) group_left c offset 5m or vector(0)')).to.deep.equal({
      metrics: ['b', 'c'],
      labels: ['instance'],
    });
  });
});

describe("the chart's Grafana dashboard", function () {
  it('matches what tools/dashboard.ts generates (run `npm run gen:dashboard` after changing it)', async function () {
    expect(await readFile(dashboardFile, 'utf8')).to.equal(renderDashboard());
  });

  it('reads only metrics and labels the orchestrator exports, on the selected release', async function () {
    const exported = await exportedSeries(createMetrics().registry);
    const all = exprs();
    expect(all.length).to.be.greaterThan(20);
    for (const { panel, expr } of all) {
      const { metrics, labels } = reads(expr);
      expect(metrics.length, `${panel}: ${expr}`).to.be.greaterThan(0);
      const known = new Set(TARGET_LABELS);
      for (const metric of metrics) {
        expect(
          exported.has(metric),
          `${panel} reads ${metric}, which the orchestrator does not export`,
        ).to.equal(true);
        for (const label of exported.get(metric)!) known.add(label);
        for (const after of expr.split(new RegExp(`(?<![\\w:])${metric}(?![\\w:])`)).slice(1))
          expect(after.startsWith(SELECTOR), `${panel}: ${metric} selects the release`).to.equal(true);
      }
      for (const label of labels) expect([...known], `${panel} uses the label ${label}`).to.include(label);
    }
  });

  it("fills its variables from a metric the orchestrator exports, by the ServiceMonitor's labels", async function () {
    const exported = await exportedSeries(createMetrics().registry);
    const variables = (dashboard().templating?.list ?? []) as { name: string; type: string; query: string }[];
    expect(variables.map((v) => v.name)).to.deep.equal(['datasource', 'namespace', 'job']);
    for (const v of variables.filter((x) => x.type === 'query')) {
      const m = /^label_values\(([a-z_]+)(\{[^}]*\})?, ([a-z_]+)\)$/.exec(v.query);
      expect(m, v.query).to.not.equal(null);
      expect(exported.has(m![1]!), m![1]).to.equal(true);
      expect(TARGET_LABELS).to.include(m![3]);
    }
  });

  it('shows outcomes, phase durations, active requests, API writes and queue, leader, actors, memory, CPU and event loop lag', function () {
    const read = new Set(exprs().flatMap(({ expr }) => reads(expr).metrics));
    for (const metric of [
      'remediation_outcomes_total',
      'remediation_phase_duration_seconds_bucket',
      'remediation_active_requests',
      'remediation_api_requests_total',
      'remediation_api_writer_queue_depth',
      'remediation_leader',
      'remediation_actors',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect([...read]).to.include(metric);
    const quantiles = exprs()
      .filter(({ expr }) => expr.includes('remediation_phase_duration_seconds_bucket'))
      .map(({ expr }) => /^histogram_quantile\(([0-9.]+),/.exec(expr)?.[1]);
    expect(quantiles).to.have.members(['0.5', '0.99']);
  });

  it('is a Grafana dashboard: uid, schema version, unique panel ids, panels on the 24-column grid without overlap', function () {
    const board = dashboard();
    expect(board.uid).to.equal(DASHBOARD_UID);
    expect(board.title).to.be.a('string').and.not.equal('');
    expect(board.schemaVersion).to.be.at.least(36);
    const all = panels();
    expect(new Set(all.map((p) => p.id)).size, 'unique ids').to.equal(all.length);
    const cells = new Map<string, string>();
    for (const p of all) {
      expect(p.id, p.title).to.be.a('number').and.greaterThan(0);
      const g = p.gridPos!;
      expect(g.x + g.w, `${p.title} fits 24 columns`).to.be.at.most(24);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          const taken = cells.get(`${x},${y}`);
          expect(taken, `${p.title} overlaps ${taken}`).to.equal(undefined);
          cells.set(`${x},${y}`, p.title!);
        }
    }
    for (const p of queried()) {
      expect(p.datasource?.uid, p.title).to.equal('${datasource}');
      expect(p.targets!.length, p.title).to.be.greaterThan(0);
      for (const t of p.targets!) expect(t.datasource?.uid, p.title).to.equal('${datasource}');
      expect(new Set(p.targets!.map((t) => t.refId)).size, `${p.title}: refIds`).to.equal(p.targets!.length);
    }
  });
});
