import { expect } from 'chai';
import type { Sample } from '../../benchmarks/lib/metrics.js';
import type { BenchmarkResult } from '../../benchmarks/lib/result.js';
import { writerFigures } from '../../benchmarks/lib/sampler.js';
import { writerSummary } from '../../benchmarks/lib/summary.js';
import { nominalSeatsByLevel, paddingShares } from '../../src/testing/apf.js';

const point = (
  t: number,
  writerLimit: number | null,
  writerQueue: number | null,
): BenchmarkResult['series'][number] => ({
  t,
  created: 0,
  finished: 0,
  inFlight: 0,
  orchestratorRssMb: null,
  orchestratorCpuS: null,
  apiServerCpuS: null,
  writerLimit,
  writerQueue,
});

describe('benchmark write limits', function () {
  it('takes the writer’s limit and queue from a scrape, null where the orchestrator has none', function () {
    const samples: Sample[] = [
      { name: 'remediation_api_writer_concurrency_limit', labels: {}, value: 12 },
      { name: 'remediation_api_writer_queue_depth', labels: {}, value: 3 },
      { name: 'remediation_api_requests_total', labels: { code: '429' }, value: 9 },
    ];
    expect(writerFigures(samples)).to.deep.equal({ writerLimit: 12, writerQueue: 3 });
    expect(writerFigures(samples.slice(2))).to.deep.equal({ writerLimit: null, writerQueue: null });
  });

  it('sums up what the limit did over a run, skipping the seconds without a scrape', function () {
    const series = [point(0, 32, 0), point(1, 4, 40), point(2, null, null), point(3, 8, 2), point(4, 16, 0)];
    expect(writerSummary(series)).to.deep.equal({ min: 4, median: 8, max: 32, queueMax: 40 });
    expect(writerSummary([point(0, null, null)])).to.equal(null);
    // A result from before the writer was recorded.
    expect(writerSummary([{ ...point(0, null, null), writerLimit: undefined }])).to.equal(null);
  });

  it('reads the API server’s nominal seats by priority level', function () {
    const text = [
      '# HELP apiserver_flowcontrol_nominal_limit_seats [BETA] Nominal number of execution seats',
      'apiserver_flowcontrol_nominal_limit_seats{priority_level="catch-all"} 31',
      'apiserver_flowcontrol_nominal_limit_seats{priority_level="ro-bench-1"} 1',
      'apiserver_flowcontrol_current_limit_seats{priority_level="catch-all"} 13',
    ].join('\n');
    expect([...nominalSeatsByLevel(text)]).to.deep.equal([
      ['catch-all', 31],
      ['ro-bench-1', 1],
    ]);
  });

  it('pads the shares so that the API server’s rounding gives exactly the seats asked for', function () {
    // kube-apiserver: a level's nominal seats = ceil(server limit × its shares / all shares).
    const serverLimit = 1500; // --max-requests-inflight=1000 + --max-mutating-requests-inflight=500
    const defaults = [5, 30, 40, 10, 40, 100, 20, 0]; // the suggested levels of Kubernetes 1.35
    const seatsOf = (shares: number, all: number): number => Math.ceil((serverLimit * shares) / all);
    const sumOfDefaults = defaults.reduce((a, b) => a + b, 0);
    const nominalSum = defaults.reduce((n, s) => n + seatsOf(s, sumOfDefaults), 0);
    for (const seats of [1, 2, 3, 7, 50, 150]) {
      const pad = paddingShares(nominalSum, sumOfDefaults, seats);
      expect(seatsOf(seats, sumOfDefaults + pad + seats), `${seats} seats`).to.equal(seats);
    }
  });
});
