import { expect } from 'chai';
import { runBenchmark, type BenchmarkResult } from '../../benchmarks/lib/benchmark.js';
import { renderChart } from '../../benchmarks/lib/chart.js';
import { summaryTable } from '../../benchmarks/lib/summary.js';
import type { Distribution } from '../../benchmarks/lib/stats.js';
import { controlPlane } from '../support/control-plane-hooks.js';

// Checks that the load benchmark works end to end (its figures exist and are consistent), never how
// fast anything is: speed is measured by `npm run bench`, not asserted here.
describe('the load benchmark (quick mode)', function () {
  this.timeout(240_000);
  const COUNT = 40;
  let result: BenchmarkResult;

  before(async function () {
    result = await runBenchmark({
      name: 'e2e-quick',
      kubeconfigPath: controlPlane().kubeconfigPath,
      count: COUNT,
      scenario: 'zero',
      progress: false,
      log: () => undefined,
    });
  });

  function ordered(d: Distribution | null, what: string): Distribution {
    expect(d, what).to.not.equal(null);
    const x = d!;
    expect(x.p50, `${what} p50`).to.be.at.least(0);
    expect(x.p50, `${what} p50 <= p95`).to.be.at.most(x.p95);
    expect(x.p95, `${what} p95 <= p99`).to.be.at.most(x.p99);
    expect(x.p99, `${what} p99 <= max`).to.be.at.most(x.max);
    return x;
  }

  it('sees every request created, picked up and completed', function () {
    expect(result.complete).to.equal(true);
    expect(result.counts).to.include({
      requested: COUNT,
      created: COUNT,
      pickedUp: COUNT,
      finished: COUNT,
      completed: COUNT,
      otherTerminal: 0,
    });
  });

  it('reports pickup, hand-off and overhead as ordered percentiles, one sample per event', function () {
    expect(ordered(result.latencyMs.pickup, 'pickup').count).to.equal(COUNT);
    // A 3-step plan: after the processing, 6 children follow a sibling's completion.
    expect(
      ordered(result.latencyMs.handoff, 'hand-off').count + result.counts.handoffsReordered!,
      'every hand-off measured or counted as seen out of order',
    ).to.equal(COUNT * 6);
    expect(ordered(result.latencyMs.endToEnd, 'end-to-end').count).to.equal(COUNT);
    ordered(result.latencyMs.overhead, 'overhead');
    expect(result.latencyMs.endToEnd!.p50).to.be.at.least(result.latencyMs.pickup!.p50);
  });

  it('reports throughput, drain time and requests in flight', function () {
    const t = result.throughput;
    expect(t.drainSeconds).to.be.greaterThan(0);
    expect(t.overallPerSecond).to.be.greaterThan(0);
    expect(t.sustainedPerSecond).to.be.greaterThan(0);
    expect(t.peakInFlight).to.be.within(1, COUNT);
    expect(result.series.length).to.be.greaterThan(0);
    expect(result.series[result.series.length - 1]!.finished).to.equal(COUNT);
  });

  it('counts the orchestrator API requests per remediation by verb and kind', function () {
    const a = result.api;
    expect(a.writesPerRemediation).to.be.greaterThan(0);
    expect(a.childCreatesPerRemediation).to.equal(7); // processing, analysis, workflow, 3 steps, success notification
    for (const kind of ['RemediationProcessing', 'AIAnalysis', 'WorkflowExecution', 'NotificationRequest'])
      expect(a.perRemediation[`create ${kind}`], kind).to.equal(1);
    expect(a.perRemediation['create KubernetesExecution']).to.equal(3);
    expect(a.phaseTransitionsPerRemediation).to.be.greaterThan(0);
    expect(a.targetWritesPerRemediation).to.equal(7 + a.phaseTransitionsPerRemediation);
    expect(a.eventWritesPerRemediation).to.be.at.least(0);
  });

  it('samples memory and CPU of the orchestrator, the simulator and the local API server', function () {
    expect(result.orchestrator.peakRssBytes).to.be.greaterThan(0);
    expect(result.orchestrator.cpuSeconds).to.be.greaterThan(0);
    expect(result.orchestrator.cpuMsPerRemediation).to.be.greaterThan(0);
    expect(result.simulator.cpuSeconds).to.be.greaterThan(0);
    if (controlPlane().local) {
      expect(result.apiServer.pid).to.be.a('number');
      expect(result.apiServer.cpuSeconds).to.be.greaterThan(0);
    }
  });

  it('records the machine, versions and options, and renders a chart and a table from the JSON', function () {
    const json = JSON.parse(JSON.stringify(result)) as BenchmarkResult;
    expect(json.machine.cores).to.be.greaterThan(0);
    expect(json.machine.memoryBytes).to.be.greaterThan(0);
    expect(json.machine.node).to.match(/^v\d+/);
    expect(json.kubernetes.version).to.match(/^v\d+\.\d+/);
    expect(json.options).to.include({ count: COUNT, scenario: 'zero' });
    expect(json.options.orchestratorNodeArgs).to.deep.equal([]);
    expect(json.options).to.not.have.property('reuseConnections'); // connection reuse is the product's default now
    const svg = renderChart([json]);
    expect(svg).to.match(/^<svg[\s\S]*<\/svg>\n$/);
    expect(svg).to.contain('e2e-quick');
    expect(summaryTable([json])).to.contain('| e2e-quick | 40 |');
  });
});
