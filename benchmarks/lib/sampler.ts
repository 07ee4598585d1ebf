// Samples the watched processes' memory and CPU every 250 ms, and adds one series point per second,
// with the writer's concurrency limit and queue from a scrape of the orchestrator's /metrics taken
// as the point is; the last scrape's counters are kept, so that a run whose orchestrator dies still
// has them.
import { scrapeSamples, sum, type Sample } from './metrics.js';
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
    this.timer = setInterval(() => this.sample(), 250);
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
    const point: Sampler['series'][number] = {
      t: round(t, 2),
      created,
      finished,
      inFlight: created - finished,
      orchestratorRssMb: orchestrator.last ? round(orchestrator.last.rssBytes / 2 ** 20, 1) : null,
      orchestratorCpuS: orchestratorCpu === null ? null : round(orchestratorCpu, 2),
      apiServerCpuS: apiServerCpu === null ? null : round(apiServerCpu, 2),
      writerLimit: null,
      writerQueue: null,
    };
    this.series.push(point);
    this.scrape(point);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private all(): ProcWatcher[] {
    const { orchestrator, simulator, apiServer, etcd } = this.watched;
    return [orchestrator, simulator, apiServer, etcd];
  }

  /** Fills in the point's writer figures once the scrape answers; none while one is still out. */
  private scrape(point: Sampler['series'][number]): void {
    if (this.scraping) return;
    this.scraping = true;
    scrapeSamples(this.metricsPort)
      .then(
        (samples) => {
          this.latestMetrics = samples;
          Object.assign(point, writerFigures(samples));
        },
        () => undefined,
      )
      .finally(() => (this.scraping = false));
  }
}

/** The writer's adaptive concurrency limit and its queue in one scrape; null where absent. */
export function writerFigures(samples: readonly Sample[]): {
  writerLimit: number | null;
  writerQueue: number | null;
} {
  const gauge = (name: string): number | null =>
    samples.some((s) => s.name === name) ? sum(samples, name) : null;
  return {
    writerLimit: gauge('remediation_api_writer_concurrency_limit'),
    writerQueue: gauge('remediation_api_writer_queue_depth'),
  };
}
