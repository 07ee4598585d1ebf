// The timed part of a run: with both processes ready, create the requests, wait for them to finish,
// and sample the processes and the orchestrator's counters meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { awaitFinished } from './finish.js';
import { Load, requestNames } from './load.js';
import { scrapeSamples, type Sample } from './metrics.js';
import type { Observer } from './observer.js';
import { Progress } from './progress.js';
import type { BenchmarkResult } from './result.js';
import { watchProcesses, type RunProcesses, type Watched } from './run-processes.js';
import { Sampler } from './sampler.js';
import type { RunSettings } from './settings.js';

/** What a run measured, for figures.ts and api-figures.ts to summarise. */
export interface Measurement {
  names: string[];
  load: Load;
  /** When the last create was answered, on performance.now()'s clock. */
  createsDone: number;
  /** Why the run ended early, if it did. */
  failure: string | undefined;
  /** The orchestrator's /metrics before the first create and after the last finish (or the last scrape, when it died). */
  before: Sample[];
  after: Sample[];
  watched: Watched;
  series: BenchmarkResult['series'];
}

export async function measure(
  s: RunSettings,
  kc: KubeConfig,
  namespace: string,
  observer: Observer,
  processes: RunProcesses,
): Promise<Measurement> {
  const { orchestrator } = processes;
  const watched = watchProcesses(processes);
  const before = await scrapeSamples(orchestrator.metricsPort);
  const t0 = performance.now();
  const names = requestNames(s.count);
  const load = new Load(kc.makeApiClient(CustomObjectsApi), namespace, (name) => observer.timing(name));
  const sampler = new Sampler(
    watched,
    t0,
    () => ({ created: load.created, finished: observer.finished }),
    orchestrator.metricsPort,
    before,
  );
  const progress = new Progress(
    s.name,
    () => ({
      created: load.created,
      pickedUp: observer.pickedUp,
      finished: observer.finished,
      total: s.count,
      orchestratorRssMb: watched.orchestrator.last ? watched.orchestrator.last.rssBytes / 2 ** 20 : undefined,
      elapsedS: (performance.now() - t0) / 1000,
    }),
    s.progress,
  );
  sampler.start();
  progress.start();
  try {
    const createsDone = await load.run({
      names,
      t0,
      rate: s.rate,
      concurrency: s.createConcurrency,
      fingerprints: s.fingerprints,
    });
    const { failure } = await awaitFinished(observer, s.count, t0 + s.timeoutMs, orchestrator);
    if (failure) s.log(`bench ${s.name}: ${failure}\n${orchestrator.tail()}`);
    sampler.sample(true);
    sampler.stop();
    progress.stop();
    if (observer.finished < s.count)
      s.log(
        `bench ${s.name}: only ${observer.finished} of ${s.count} requests finished within ${Math.round(s.timeoutMs / 1000)} s`,
      );
    // Events and the last writes are issued right after the terminal status: let them land.
    await sleep(1000);
    const after = failure ? sampler.latestMetrics : await scrapeSamples(orchestrator.metricsPort);
    return { names, load, createsDone, failure, before, after, watched, series: sampler.series };
  } finally {
    sampler.stop();
  }
}
