// The chart's alerts through Prometheus's own rule engine: promtool (built by tools/promtool/build.sh)
// checks the rendered PrometheusRule and runs test/alerts/rules.test.yaml, which feeds each alert series
// that must fire it and series that must not. Every alert has a runbook page in docs/runbooks/, whose
// PromQL promtool parses too.
import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';
import { buildTool, runTool } from '../support/go-tools.js';
import { chartDir as chart, helmBinary, helmTemplate, helmTemplateRefusal } from '../support/helm.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const unitTests = join(root, 'test/alerts/rules.test.yaml');
const runbooks = join(root, 'docs/runbooks');

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface RuleGroup {
  name: string;
  rules: AlertRule[];
}
interface AlertTest {
  alertname: string;
  exp_alerts: unknown[];
}

describe("the chart's alerts", function () {
  this.timeout(60_000);
  let helm: string;
  let promtool: string;

  before(async function () {
    this.timeout(40 * 60_000); // a cold machine builds helm and promtool from the Go module proxy
    helm = await helmBinary();
    promtool = await buildTool('promtool');
  });

  /** The groups of the PrometheusRule `helm template` renders with `args` (release r, namespace ops). */
  async function ruleGroups(args: string[] = []): Promise<RuleGroup[]> {
    const set = ['metrics.serviceMonitor.enabled=true', 'metrics.prometheusRule.enabled=true'];
    const objects = await helmTemplate<{ kind?: string; spec: { groups: RuleGroup[] } }>(helm, [
      'r',
      chart,
      '-n',
      'ops',
      ...set.flatMap((s) => ['--set', s]),
      ...args,
    ]);
    const rule = objects.find((o) => o.kind === 'PrometheusRule');
    expect(rule, 'a PrometheusRule is rendered').to.not.equal(undefined);
    return rule!.spec.groups;
  }

  it('pass promtool check rules, and fire (and stay quiet) as test/alerts/rules.test.yaml expects', async function () {
    const groups = await ruleGroups([
      '--set',
      'metrics.prometheusRule.runbookBaseUrl=https://runbooks.example/ro/',
    ]);
    const dir = await mkdtemp(join(tmpdir(), 'alert-rules-'));
    await writeFile(join(dir, 'rules.yaml'), stringify({ groups }));
    await copyFile(unitTests, join(dir, 'rules.test.yaml'));

    const check = await runTool(
      promtool,
      ['check', 'rules', '--lint=all', '--lint-fatal', 'rules.yaml'],
      dir,
    );
    expect(check.ok, check.out + check.err).to.equal(true);
    const count = groups.flatMap((g) => g.rules).length;
    expect(check.out).to.contain(`SUCCESS: ${count} rules found`);

    const test = await runTool(promtool, ['test', 'rules', 'rules.test.yaml'], dir);
    expect(test.ok, test.out + test.err).to.equal(true);
    expect(test.out).to.contain('SUCCESS');

    // promtool checks only the alerts a case names: every alert needs one that fires and one that must not.
    const cases = (
      parse(await readFile(unitTests, 'utf8')) as { tests: { alert_rule_test?: AlertTest[] }[] }
    ).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of groups.flatMap((g) => g.rules)) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${alert} has a case that fires`,
      ).to.equal(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${alert} has a case that must not fire`,
      ).to.equal(true);
    }
  });

  it('give every alert a severity, a summary, a description with its value and a runbook page', async function () {
    const values = parse(await readFile(join(chart, 'values.yaml'), 'utf8')) as {
      metrics: { prometheusRule: { runbookBaseUrl: string } };
    };
    const base = values.metrics.prometheusRule.runbookBaseUrl;
    const index = await readFile(join(runbooks, 'README.md'), 'utf8');
    const rules = (await ruleGroups()).flatMap((g) => g.rules);
    expect(rules.length).to.equal(9);
    for (const { alert, expr, labels, annotations } of rules) {
      expect(labels.severity, alert).to.be.oneOf(['warning', 'critical']);
      expect(annotations.summary, alert).to.have.length.greaterThan(10);
      expect(annotations.description, alert).to.contain('$value');
      expect(annotations.runbook_url, alert).to.equal(`${base}/${alert}.md`);
      const page = await readFile(join(runbooks, `${alert}.md`), 'utf8');
      for (const heading of ['Symptoms', 'Alert', 'Investigation', 'Resolution', 'Escalation'])
        expect(page, `${alert}.md has a ${heading} section`).to.match(new RegExp(`^## ${heading}`, 'm'));
      for (const metric of expr.match(/remediation_[a-z_]+/g) ?? [])
        expect(page, `${alert}.md shows ${metric}`).to.contain(metric);
      expect(index, `docs/runbooks/README.md links ${alert}.md`).to.contain(`(${alert}.md)`);
    }
  });

  it('have runbooks whose PromQL promtool parses', async function () {
    const queries: { page: string; expr: string }[] = [];
    for (const page of (await readdir(runbooks)).filter((f) => f.endsWith('.md'))) {
      const text = await readFile(join(runbooks, page), 'utf8');
      for (const m of text.matchAll(/^ *```promql\n([\s\S]*?)^ *```/gm))
        queries.push({ page, expr: m[1]!.trim() });
    }
    expect(queries.length).to.be.greaterThan(20);
    const dir = await mkdtemp(join(tmpdir(), 'runbook-queries-'));
    const rules = queries.map((q, i) => ({ record: `runbook_query_${i}`, expr: q.expr }));
    await writeFile(join(dir, 'queries.yaml'), stringify({ groups: [{ name: 'runbooks', rules }] }));
    const check = await runTool(promtool, ['check', 'rules', 'queries.yaml'], dir);
    const named = queries.map((q, i) => `runbook_query_${i}: ${q.page}`).join('\n');
    expect(check.ok, `${check.out}${check.err}\n${named}`).to.equal(true);
  });

  it('leave out the leader alert without leader election, and refuse a runbook base that is not a URL', async function () {
    const single = ['--set', 'leaderElection.enabled=false', '--set', 'replicaCount=1'];
    const alerts = (await ruleGroups(single)).flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts).to.not.include('RemediationOrchestratorLeader');
    expect(alerts).to.have.length(8);

    const bad = await helmTemplateRefusal(helm, [
      'r',
      chart,
      '--set',
      'metrics.prometheusRule.runbookBaseUrl=docs/runbooks',
    ]);
    expect(bad).to.contain('/metrics/prometheusRule/runbookBaseUrl');
  });
});
