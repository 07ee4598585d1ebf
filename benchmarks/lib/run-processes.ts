// Starts a run's orchestrator and simulator on its namespace, with their logs in the run's log
// directory (the orchestrator as its own user, in its own memory cgroup, as in a pod, when the run
// says so), and
// finds the local control plane's processes to watch beside them.
import { join } from 'node:path';
import type { MemoryCgroup } from './cgroup.js';
import type { PodIdentity } from './pod.js';
import { findDescendant, ProcWatcher } from './proc.js';
import {
  buildDist,
  startOrchestrator,
  startSimulatorProcess,
  type BenchProcess,
  type OrchestratorProcess,
} from './processes.js';
import type { RunSettings } from './settings.js';

export interface RunProcesses {
  orchestrator: OrchestratorProcess;
  simulator: BenchProcess;
}

/**
 * Compiles dist/ first when the run goes from there; resolves once both processes are ready. In
 * `cgroup` the orchestrator starts without NODE_OPTIONS, so that only the cgroup sizes its heap; with
 * `pod` it runs as in a pod with that identity (the simulator never does).
 */
export async function startRunProcesses(
  s: RunSettings,
  namespace: string,
  cgroup?: MemoryCgroup,
  pod?: PodIdentity,
): Promise<RunProcesses> {
  if (s.runFrom === 'dist') await buildDist();
  const [orchestrator, simulator] = await Promise.all([
    startOrchestrator(
      s.orchestratorUser?.kubeconfigPath ?? s.kubeconfigPath,
      namespace,
      { qps: s.qps, burst: s.burst, maxConcurrentWrites: s.maxConcurrentWrites },
      join(s.logDir, `${s.name}-orchestrator.log`),
      s.runFrom,
      [
        ...s.orchestratorNodeArgs,
        ...(s.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(s.logDir, 'profile')}`] : []),
      ],
      {
        ...(cgroup ? { cgroupProcs: cgroup.procsFile, withoutNodeOptions: true } : {}),
        ...(pod ? { pod } : {}),
      },
    ),
    startSimulatorProcess(
      s.kubeconfigPath,
      namespace,
      s.override,
      join(s.logDir, `${s.name}-simulator.log`),
      s.runFrom,
    ),
  ]);
  return { orchestrator, simulator };
}

/** The processes whose memory and CPU a run samples; the control plane's are absent on a remote cluster. */
export interface Watched {
  orchestrator: ProcWatcher;
  simulator: ProcWatcher;
  apiServer: ProcWatcher;
  etcd: ProcWatcher;
}

export function watchProcesses(p: RunProcesses): Watched {
  return {
    orchestrator: new ProcWatcher(p.orchestrator.pid),
    simulator: new ProcWatcher(p.simulator.pid),
    apiServer: new ProcWatcher(findDescendant(process.pid, 'kube-apiserver')),
    etcd: new ProcWatcher(findDescendant(process.pid, 'etcd')),
  };
}
