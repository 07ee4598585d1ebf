import { expect } from 'chai';
import { rssPerInFlightKib } from '../../benchmarks/lib/summary.js';

const point = (t: number, orchestratorRssMb: number | null) => ({
  t,
  created: 0,
  finished: 0,
  inFlight: 0,
  orchestratorRssMb,
  orchestratorCpuS: null,
  apiServerCpuS: null,
});

describe('the benchmark summary', function () {
  it('gives the RSS each request in flight cost: growth from the first sample over the peak in flight', function () {
    const run = (
      peakRssBytes: number | null,
      peakInFlight: number,
      rss: (number | null)[] = [null, 100, 180],
    ) => ({
      orchestrator: { peakRssBytes } as never,
      throughput: { peakInFlight } as never,
      series: rss.map((mb, t) => point(t, mb)),
    });
    expect(rssPerInFlightKib(run(200 * 2 ** 20, 1000))).to.equal(102.4);
    expect(rssPerInFlightKib(run(null, 1000))).to.equal(null);
    expect(rssPerInFlightKib(run(200 * 2 ** 20, 0))).to.equal(null);
    expect(rssPerInFlightKib(run(200 * 2 ** 20, 10, [null, null]))).to.equal(null);
  });
});
