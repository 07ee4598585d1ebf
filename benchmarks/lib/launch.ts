// How a benchmark process is started beyond its own command line: in a memory cgroup of its own
// (cgroup.ts), as in a pod (pod.ts), or both. Each wrapper ends in an exec, so that the PID spawn()
// returns is the node process's from its first instruction: /proc sampling follows it, and the
// cgroup holds it and whatever it re-executes itself as (src/heap-from-cgroup.ts).

/** How to start a process beyond its arguments. */
export interface Launch {
  /** A cgroup's cgroup.procs: the process joins the cgroup before node starts (through `sh`,
   * which writes its own PID there and then execs the rest, so the PID stays the same). */
  cgroupProcs?: string;
  /** Start without NODE_OPTIONS, so that no heap flag comes from the environment. */
  withoutNodeOptions?: boolean;
  /** As in a pod (pod.ts, PodIdentity): the command prefix that gives it its ServiceAccount's files,
   * and its environment: the service's variables, no KUBECONFIG. */
  pod?: { prefix(): string[]; env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv };
}

/** The command line that starts `argv` (node and its arguments) as `launch` says: cgroup, then pod. */
export function launchCommand(argv: readonly string[], launch: Launch): string[] {
  return [
    ...(launch.cgroupProcs ? ['sh', '-c', 'echo $$ > "$0" && exec "$@"', launch.cgroupProcs] : []),
    ...(launch.pod?.prefix() ?? []),
    ...argv,
  ];
}

/** The environment it starts with. */
export function launchEnv(env: NodeJS.ProcessEnv, launch: Launch): NodeJS.ProcessEnv {
  const out = launch.pod ? launch.pod.env(env) : { ...env };
  if (launch.withoutNodeOptions) delete out.NODE_OPTIONS;
  return out;
}
