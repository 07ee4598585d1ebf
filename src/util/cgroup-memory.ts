// The container's memory limit, read from the cgroup files (v1 and v2), and the V8 heap bounds that
// fit it. Node sizes its heap from the machine's memory, not the container's: a pod limited to 512 MiB
// on a 64 GiB node would let the heap grow past the limit and be OOM-killed instead of collecting.
import { readFileSync } from 'node:fs';

const MiB = 1024 * 1024;
/** cgroup v1 writes "no limit" as the largest page-aligned 64-bit number; anything near it is none. */
const UNLIMITED_V1 = 2 ** 60;
const HEAP_FLAGS = ['--max-old-space-size', '--max-semi-space-size'];

/** The file's text, or undefined when it cannot be read. */
export type ReadText = (path: string) => string | undefined;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The memory limit of this process's cgroup in bytes, or undefined when there is none. Reads
 * /proc/self/cgroup for the cgroup's path, then memory.max (v2) or memory.limit_in_bytes (v1) both
 * at that path and at the mount's root (a container with its own cgroup namespace sees itself at
 * the root); the smallest limit found wins.
 */
export function cgroupMemoryLimit(read: ReadText = readText): number | undefined {
  const files = new Set<string>();
  for (const line of (read('/proc/self/cgroup') ?? '').split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, controllers = '', path = '/'] = match;
    const at = path === '/' ? '' : path;
    if (controllers === '') files.add(`/sys/fs/cgroup${at}/memory.max`).add('/sys/fs/cgroup/memory.max');
    else if (controllers.split(',').includes('memory'))
      files
        .add(`/sys/fs/cgroup/memory${at}/memory.limit_in_bytes`)
        .add('/sys/fs/cgroup/memory/memory.limit_in_bytes');
  }
  let limit: number | undefined;
  for (const file of files) {
    const text = read(file)?.trim();
    if (!text || !/^\d+$/.test(text)) continue; // "max" (v2) or unreadable: no limit here
    const bytes = Number(text);
    if (bytes > 0 && bytes < UNLIMITED_V1) limit = Math.min(limit ?? bytes, bytes);
  }
  return limit;
}

/**
 * V8 heap flags for a memory limit: the young generation is three semi-spaces (16 MiB each from a
 * 512 MiB limit up, less below), and the old space takes what is left of three quarters of the
 * limit; the last quarter is for code, buffers and the native heap (undici, TLS, prom-client).
 */
export function heapFlagsFor(limitBytes: number): string[] {
  const mib = Math.floor(limitBytes / MiB);
  const semi = Math.min(16, Math.max(1, 2 ** Math.floor(Math.log2(Math.max(1, mib / 32)))));
  const old = Math.max(16, Math.floor(mib * 0.75) - 3 * semi);
  return [`--max-old-space-size=${old}`, `--max-semi-space-size=${semi}`];
}

/**
 * The heap flags to add, or none: when NODE_OPTIONS or the command line already sets a heap bound the
 * user decided, and when there is no limit to follow.
 */
export function heapFlagsToAdd(
  nodeOptions: string | undefined,
  execArgv: readonly string[],
  limitBytes: number | undefined,
): string[] {
  const given = [...(nodeOptions ?? '').split(/\s+/), ...execArgv];
  if (given.some((arg) => HEAP_FLAGS.some((flag) => arg.replace(/_/g, '-').startsWith(flag)))) return [];
  return limitBytes === undefined ? [] : heapFlagsFor(limitBytes);
}
