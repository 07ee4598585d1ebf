// A counter series that first appears at 1 makes increase() and rate() miss that first event: a fresh
// registry must already expose, at 0, every series whose labels are known in advance.
import { expect } from 'chai';
import { CHILD_KINDS, KINDS, REQUEST_REASONS } from '../../src/api/index.js';
import { createMetrics } from '../../src/observability/index.js';
import { METRIC_DEFINITIONS } from '../../src/observability/metrics.js';

/** The counters whose labels are not a known list: pairs of phases, and HTTP status codes. */
const OPEN_ENDED = ['remediation_phase_transitions_total', 'remediation_api_requests_total'];

/** name -> the label sets of its series, as `k=v,k=v`, with their values, in a fresh registry. */
async function freshSeries(): Promise<Map<string, Map<string, number>>> {
  const series = new Map<string, Map<string, number>>();
  for (const metric of await createMetrics().registry.getMetricsAsJSON()) {
    const values = new Map<string, number>();
    for (const v of metric.values) values.set(labelKey(v.labels as Record<string, string>), v.value);
    series.set(metric.name, values);
  }
  return series;
}

const labelKey = (labels: Record<string, string>): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');

describe('metrics with known label values', function () {
  it('expose every outcome, skip reason, timeout, status result and notification type at 0', async function () {
    const series = await freshSeries();
    const zero = (name: string, labels: Record<string, string>) =>
      expect(series.get(name)?.get(labelKey(labels)), `${name}{${labelKey(labels)}}`).to.equal(0);
    for (const [reason, row] of Object.entries(REQUEST_REASONS)) {
      if (row.phase === 'Blocked') zero('remediation_blocked_requests', { reason });
      else zero('remediation_outcomes_total', { phase: row.phase, reason });
      if (row.phase === 'Skipped') zero('remediation_skipped_total', { reason });
    }
    for (const phase of ['Pending', 'Processing', 'Analyzing', 'AwaitingApproval', 'Executing', 'Global'])
      zero('remediation_timeouts_total', { phase });
    for (const result of ['success', 'conflict', 'failure'])
      zero('remediation_status_updates_total', { result });
    for (const type of ['approval', 'escalation', 'success', 'storm'])
      zero('remediation_notifications_total', { type });
    for (const kind of Object.keys(KINDS))
      for (const phase of ['list', 'watch', 'handler'])
        zero('remediation_informer_errors_total', { kind, phase });
    for (const kind of CHILD_KINDS)
      for (const code of ['FORBIDDEN', 'INVALID_OBJECT', 'API_UNAVAILABLE', 'CHILD_CONFLICT'])
        zero('remediation_child_create_failures_total', { kind, code });
  });

  it('leave no labelled counter without its zero series, but the open-ended ones', async function () {
    const series = await freshSeries();
    for (const { type, name, ...rest } of Object.values(METRIC_DEFINITIONS)) {
      if (type !== 'counter' || !('labelNames' in rest) || OPEN_ENDED.includes(name)) continue;
      const values = [...series.get(name)!.values()];
      expect(values.length, `${name} has zero series`).to.be.greaterThan(0);
      expect(new Set(values), name).to.deep.equal(new Set([0]));
    }
    expect(series.get('remediation_phase_transitions_total')!.size).to.equal(0);
  });
});
