import { expect } from 'chai';
import type { Sample } from '../../benchmarks/lib/metrics.js';
import type { BenchmarkResult } from '../../benchmarks/lib/result.js';
import { writerFigures } from '../../benchmarks/lib/sampler.js';
import { writerSummary } from '../../benchmarks/lib/summary.js';

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
});
