// Samples the watched processes' memory and CPU every 250 ms (one series point per second), and
// scrapes the orchestrator's counters every 5 s so that a run whose orchestrator dies still has them.
import { scrapeSamples, type Sample } from './metrics.js';
import type { ProcWatcher } from './proc.js';
import type { BenchmarkResult } from './result.js';
import type { Watched } from './run-processes.js';
import { round } from './stats.js';

export interface LiveCounts {
  created: number;
  finished: number;
}

export class Sampler {
  readonly series: BenchmarkResult['series'] = [];
  /** The orchestrator's counters at the last successful scrape. */
  latestMetrics: Sample[];
  private timer: NodeJS.Timeout | undefined;
  private lastSeriesAt = -1;
  private scraping = false;
  private lastScrapeAt = 0;

  constructor(
    private readonly watched: Watched,
    /** Time 0 of the series, on performance.now()'s clock. */
    private readonly t0: number,
    private readonly counts: () => LiveCounts,
    private readonly metricsPort: number,
    initialMetrics: Sample[],
  ) {
    this.latestMetrics = initialMetrics;
  }

  start(): void {
    for (const w of this.all()) w.sample(0);
    this.timer = setInterval(() => this.tick(), 250);
  }

  /** Samples every watched process now; adds a series point once a second, and always when `final`. */
  sample(final = false): void {
    const t = (performance.now() - this.t0) / 1000;
    const { orchestrator, apiServer } = this.watched;
    for (const w of this.all()) w.sample(t);
    if (!final && Math.floor(t) <= this.lastSeriesAt) return;
    this.lastSeriesAt = Math.floor(t);
    const { created, finished } = this.counts();
    const orchestratorCpu = orchestrator.cpuSeconds();
    const apiServerCpu = apiServer.cpuSeconds();
    this.series.push({
      t: round(t, 2),
      created,
      finished,
      inFlight: created - finished,
      orchestratorRssMb: orchestrator.last ? round(orchestrator.last.rssBytes / 2 ** 20, 1) : null,
      orchestratorCpuS: orchestratorCpu === null ? null : round(orchestratorCpu, 2),
      apiServerCpuS: apiServerCpu === null ? null : round(apiServerCpu, 2),
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private all(): ProcWatcher[] {
    const { orchestrator, simulator, apiServer, etcd } = this.watched;
    return [orchestrator, simulator, apiServer, etcd];
  }

  private tick(): void {
    this.sample();
    if (this.scraping || performance.now() - this.lastScrapeAt < 5000) return;
    this.scraping = true;
    this.lastScrapeAt = performance.now();
    scrapeSamples(this.metricsPort)
      .then(
        (s) => (this.latestMetrics = s),
        () => undefined,
      )
      .finally(() => (this.scraping = false));
  }
}
