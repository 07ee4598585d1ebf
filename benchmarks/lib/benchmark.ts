// One benchmark run: a fresh namespace, the orchestrator and the simulator as processes, N requests
// created all at once (concurrency-limited) or at a steady rate, everything timed from outside on
// one monotonic clock (performance.now()), then the namespace deleted. Optionally the orchestrator
// runs in a memory cgroup of its own, as its own API user under an APF limit, or as in a pod.
import { join } from 'node:path';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { limitWrites, type WriteLimit } from '../../src/testing/apf.js';
import { bindOrchestratorRole } from '../../src/testing/rbac.js';
import { apiFigures } from './api-figures.js';
import { MemoryCgroup } from './cgroup.js';
import { gitInfo, machineInfo } from './environment.js';
import { latencyFigures, latencySamples, processFigures, throughputFigures } from './figures.js';
import { measure, type Measurement } from './measure.js';
import { sum } from './metrics.js';
import { createRunNamespace, deleteRunNamespace } from './namespace.js';
import { Observer } from './observer.js';
import { podAccessFrom, PodIdentity } from './pod.js';
import { summariseProfile } from './profile.js';
import type { BenchmarkResult } from './result.js';
import { startRunProcesses, type RunProcesses } from './run-processes.js';
import { stormFigures } from './storm.js';
import { settingsOf, type BenchmarkOptions, type RunSettings } from './settings.js';

export type { BenchmarkOptions } from './settings.js';
export type { BenchmarkResult, ProcessFigures } from './result.js';

export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkResult> {
  const s = settingsOf(options);
  const kc = new KubeConfig();
  kc.loadFromFile(s.kubeconfigPath);
  const { gitVersion } = await kc.makeApiClient(VersionApi).getCode();
  const namespace = await createRunNamespace(kc, s.name);
  s.log(`bench ${s.name}: namespace ${namespace}, logs in ${s.logDir}`);

  const observer = new Observer(kc, namespace);
  let processes: RunProcesses | undefined;
  let result: BenchmarkResult | undefined;
  let cgroup: MemoryCgroup | undefined;
  let writeLimit: WriteLimit | undefined;
  let pod: PodIdentity | undefined;
  try {
    await observer.start();
    if (s.orchestratorUser) await bindOrchestratorRole(kc, s.orchestratorUser.name, namespace);
    if (s.apfSeats !== undefined) {
      writeLimit = await limitWrites(kc, {
        name: `ro-${namespace}`,
        subject: { kind: 'User', user: { name: s.orchestratorUser!.name } },
        seats: s.apfSeats,
      });
      s.log(
        `bench ${s.name}: ${s.orchestratorUser!.name}'s writes have ${writeLimit.nominalSeats} APF seats`,
      );
    }
    if (s.memoryLimit) {
      cgroup = MemoryCgroup.create(s.memoryLimit.bytes);
      s.log(`bench ${s.name}: the orchestrator runs in ${cgroup.dir} (${s.memoryLimit.text})`);
    }
    if (s.asPod) {
      // The orchestrator's own user's token with --apf-seats, as its ServiceAccount's would be.
      pod = PodIdentity.create(podAccessFrom(s.orchestratorUser?.kubeconfigPath ?? s.kubeconfigPath));
      s.log(`bench ${s.name}: the orchestrator runs as in a pod (${pod.access.host}:${pod.access.port})`);
    }
    processes = await startRunProcesses(s, namespace, cgroup, pod);
    const measured = await measure(s, kc, namespace, observer, processes);
    const observed = summarise(s, measured, observer);
    // Stop the simulator first (its last line has its counters), then delete the namespace while
    // the orchestrator still runs, so that it releases its finalizers.
    await processes.simulator.stop();
    result = resultOf(s, gitVersion, observed, measured, processes, { cgroup, writeLimit });
    return result;
  } finally {
    observer.stop();
    await processes?.simulator.stop();
    if (!s.skipCleanup) await deleteRunNamespace(kc, namespace, s.cleanupTimeoutMs, s.log);
    await processes?.orchestrator.stop();
    pod?.remove();
    if (result && s.profile) result.profile = summariseProfile(join(s.logDir, 'profile'));
    if (cgroup) {
      // Over the orchestrator's whole life, now that it has stopped.
      if (result?.memoryLimit) Object.assign(result.memoryLimit, cgroup.stats());
      await cgroup
        .remove()
        .catch((err: Error) => s.log(`bench: cannot remove ${cgroup!.dir}: ${err.message}`));
    }
    await writeLimit?.remove();
  }
}

type Observed = Pick<BenchmarkResult, 'complete' | 'counts' | 'latencyMs' | 'throughput' | 'api' | 'storm'>;

/** The figures of the requests as the benchmark saw them, and of the orchestrator's API traffic. */
function summarise(s: RunSettings, m: Measurement, observer: Observer): Observed {
  const timings = m.names.map((n) => observer.requests.get(n)).filter((t) => t !== undefined);
  const latency = latencySamples(timings);
  const { load } = m;
  return {
    complete: observer.finished >= s.count,
    counts: {
      requested: s.count,
      created: load.created,
      createErrors: load.createErrors,
      pickedUp: observer.pickedUp,
      finished: observer.finished,
      completed: observer.succeeded,
      otherTerminal: observer.finished - observer.succeeded,
      handoffs: latency.handoff.length,
      handoffsReordered: latency.handoffsReordered,
      watchErrors: observer.watchErrors,
    },
    latencyMs: latencyFigures(latency, s.workMs, load.createCalls),
    throughput: throughputFigures({
      timings,
      finishTimes: observer.finishTimes,
      createsDone: m.createsDone,
      created: load.created,
      finished: observer.finished,
    }),
    api: apiFigures(m.before, m.after, s.count, s.scenario.plan.length),
    ...(s.fingerprints ? { storm: stormFigures(s.fingerprints, timings) } : {}),
  };
}

/** The result JSON, its keys in the order of BenchmarkResult. */
function resultOf(
  s: RunSettings,
  kubernetesVersion: string,
  o: Observed,
  m: Measurement,
  processes: RunProcesses,
  limits: { cgroup: MemoryCgroup | undefined; writeLimit: WriteLimit | undefined },
): BenchmarkResult {
  const statsLine = /"statusWrites":(\d+)/.exec(processes.simulator.tail());
  const { cgroup, writeLimit } = limits;
  const { orchestrator, simulator, apiServer, etcd } = m.watched;
  return {
    schema: 1,
    name: s.name,
    date: new Date().toISOString(),
    machine: machineInfo(),
    kubernetes: {
      version: kubernetesVersion,
      local: !process.env.KUBECONFIG_TEST && apiServer.pid !== undefined,
    },
    git: gitInfo(),
    options: {
      count: s.count,
      rate: s.rate ?? null,
      scenario: s.scenarioName,
      scenarioOverride: s.override,
      qps: s.qps,
      burst: s.burst,
      maxConcurrentWrites: s.maxConcurrentWrites,
      createConcurrency: s.createConcurrency,
      orchestratorNodeArgs: s.orchestratorNodeArgs,
      runFrom: s.runFrom,
      ...(s.fingerprints ? { fingerprints: s.fingerprints } : {}),
      memoryLimit: s.memoryLimit?.text ?? null,
      apfSeats: s.apfSeats ?? null,
      asPod: s.asPod,
    },
    complete: o.complete,
    ...(m.failure ? { failure: m.failure } : {}),
    counts: o.counts,
    simulatedWorkMs: s.workMs,
    latencyMs: o.latencyMs,
    throughput: o.throughput,
    api: o.api,
    ...(o.storm ? { storm: o.storm } : {}),
    orchestrator: {
      ...processFigures(orchestrator, s.count),
      metricsRssBytes: sum(m.after, 'process_resident_memory_bytes') || null,
      heapFlags: processes.orchestrator.heapFlags,
    },
    ...(s.memoryLimit && cgroup
      ? {
          memoryLimit: {
            limit: s.memoryLimit.text,
            limitBytes: s.memoryLimit.bytes,
            cgroup: { version: cgroup.layout.version, path: cgroup.dir },
            ...cgroup.stats(),
          },
        }
      : {}),
    ...(s.orchestratorUser && writeLimit
      ? {
          apf: {
            user: s.orchestratorUser.name,
            seats: writeLimit.nominalSeats!,
            queueLengthLimit: writeLimit.queueLengthLimit,
            throttled: o.api.byCode['429'] ?? 0,
          },
        }
      : {}),
    simulator: {
      ...processFigures(simulator, s.count),
      statusWrites: statsLine ? Number(statsLine[1]) : null,
    },
    apiServer: processFigures(apiServer, s.count),
    etcd: processFigures(etcd, s.count),
    series: m.series,
  };
}
