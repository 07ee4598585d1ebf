// docs/metrics.md and the metrics, both ways: every metric createMetrics registers (beyond prom-client's
// process metrics) is a row of the table with its type, and every row there is registered.
import { expect } from 'chai';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createMetrics } from '../../src/observability/metrics.js';
import { markdownTable } from '../support/markdown-table.js';

describe('docs/metrics.md', function () {
  it('lists every metric createMetrics registers, with its type, and no other', async function () {
    const processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
    const defaults = new Set((await processMetrics.getMetricsAsJSON()).map((m) => m.name));
    const registered = (await createMetrics().registry.getMetricsAsJSON())
      .filter((m) => !defaults.has(m.name))
      .map((m) => [m.name, String(m.type)]);

    const rows = markdownTable('docs/metrics.md', 'Metric').map((r) => [r[0], r[1]]);
    expect(rows).to.have.deep.members(registered);
  });
});
