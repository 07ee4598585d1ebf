// Imported first by main.ts, before any heavy module runs: when the container has a memory limit and
// neither NODE_OPTIONS nor the command line bounds the heap, the process replaces itself (execve: same
// PID, so PID 1 of the container keeps its signals) with one whose heap fits the limit. A V8 heap is
// sized when the isolate starts: v8.setFlagsFromString cannot change it later (docs/decisions.md).
import { cgroupMemoryLimit, heapFlagsToAdd } from './util/cgroup-memory.js';

const flags = heapFlagsToAdd(process.env.NODE_OPTIONS, process.execArgv, cgroupMemoryLimit());
if (flags.length > 0 && typeof process.execve === 'function') {
  process.execve(process.execPath, [
    process.execPath,
    ...process.execArgv,
    ...flags,
    ...process.argv.slice(1),
  ]);
}
