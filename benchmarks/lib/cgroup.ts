// A memory cgroup of its own for the orchestrator (--memory-limit): made fresh with the limit a pod's
// resources.limits.memory would give it, so that the product's own code (src/heap-from-cgroup.ts)
// sizes its heap as it does in the chart's pod; read afterwards for whether the limit was hit or
// the kernel killed for memory, then removed. cgroup v2 (the unified hierarchy at /sys/fs/cgroup)
// or v1 (the memory controller's hierarchy at /sys/fs/cgroup/memory); writing to either takes root.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The file's text, or undefined when it cannot be read. */
export type ReadText = (path: string) => string | undefined;

export interface MemoryCgroupLayout {
  version: 1 | 2;
  /** The directory new memory cgroups are made in. */
  root: string;
}

const CGROUP_FS = '/sys/fs/cgroup';

/** v2 when the unified hierarchy is mounted at /sys/fs/cgroup, else v1's memory hierarchy; undefined when neither is there. */
export function memoryCgroupLayout(
  exists: (path: string) => boolean,
  fs = CGROUP_FS,
): MemoryCgroupLayout | undefined {
  if (exists(`${fs}/cgroup.controllers`)) return { version: 2, root: fs };
  if (exists(`${fs}/memory/memory.limit_in_bytes`)) return { version: 1, root: `${fs}/memory` };
  return undefined;
}

/**
 * The files to write, in order, to give the cgroup at `dir` a limit of `bytes`, with no swap beyond
 * it as in a pod (the swap files exist only where the kernel accounts swap; v1 takes the memory+swap
 * limit only once the memory limit is set).
 */
export function limitFiles(
  layout: MemoryCgroupLayout,
  dir: string,
  bytes: number,
  exists: (path: string) => boolean,
): [string, string][] {
  const files: [string, string][] =
    layout.version === 2
      ? [
          [`${dir}/memory.max`, String(bytes)],
          [`${dir}/memory.swap.max`, '0'],
        ]
      : [
          [`${dir}/memory.limit_in_bytes`, String(bytes)],
          [`${dir}/memory.memsw.limit_in_bytes`, String(bytes)],
        ];
  return files.filter(([file], i) => i === 0 || exists(file));
}

export interface CgroupMemoryStats {
  /** Times usage reached the limit (v1 memory.failcnt, v2 memory.events "max"): reclaim, not yet an OOM. */
  limitHits: number | null;
  /** Times the cgroup ran out of memory (v2 memory.events "oom"; v1 under_oom, 0 or 1, now). */
  oomEvents: number | null;
  /** Processes the kernel's OOM killer killed in it (memory.events / memory.oom_control "oom_kill"). */
  oomKills: number | null;
  /** True when it saw an OOM or an OOM kill. */
  oom: boolean;
  /** The cgroup's peak usage, page cache included (v1 memory.max_usage_in_bytes, v2 memory.peak). */
  peakBytes: number | null;
}

/** "key value" lines as a map. */
function keyed(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

function number(text: string | undefined): number | null {
  const t = text?.trim();
  return t && /^\d+$/.test(t) ? Number(t) : null;
}

/** What the cgroup at `dir` saw of its limit. */
export function cgroupMemoryStats(
  layout: MemoryCgroupLayout,
  dir: string,
  read: ReadText,
): CgroupMemoryStats {
  let stats: Omit<CgroupMemoryStats, 'oom'>;
  if (layout.version === 2) {
    const events = keyed(read(`${dir}/memory.events`));
    stats = {
      limitHits: events.get('max') ?? null,
      oomEvents: events.get('oom') ?? null,
      oomKills: events.get('oom_kill') ?? null,
      peakBytes: number(read(`${dir}/memory.peak`)),
    };
  } else {
    const control = keyed(read(`${dir}/memory.oom_control`));
    stats = {
      limitHits: number(read(`${dir}/memory.failcnt`)),
      oomEvents: control.get('under_oom') ?? null,
      oomKills: control.get('oom_kill') ?? null,
      peakBytes: number(read(`${dir}/memory.max_usage_in_bytes`)),
    };
  }
  return { ...stats, oom: (stats.oomEvents ?? 0) > 0 || (stats.oomKills ?? 0) > 0 };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A memory cgroup made by `create()`: put a process in by writing its PID to `procsFile`. */
export class MemoryCgroup {
  private constructor(
    readonly layout: MemoryCgroupLayout,
    readonly dir: string,
    readonly limitBytes: number,
  ) {}

  get procsFile(): string {
    return `${this.dir}/cgroup.procs`;
  }

  /** Makes `<root>/<name>` with a limit of `limitBytes`; throws saying why when it cannot. */
  static create(limitBytes: number, name = `ro-bench-${randomBytes(4).toString('hex')}`): MemoryCgroup {
    const layout = memoryCgroupLayout(existsSync);
    if (!layout)
      throw new Error(
        `--memory-limit: no memory cgroup hierarchy at ${CGROUP_FS} (neither cgroup v2's cgroup.controllers nor v1's memory/)`,
      );
    const dir = `${layout.root}/${name}`;
    try {
      if (layout.version === 2) enableMemoryController(layout.root);
      mkdirSync(dir);
    } catch (err) {
      throw new Error(
        `--memory-limit: cannot create a memory cgroup at ${dir} (cgroup v${layout.version}; it takes root): ${(err as Error).message}`,
        { cause: err },
      );
    }
    const cgroup = new MemoryCgroup(layout, dir, limitBytes);
    try {
      for (const [file, value] of limitFiles(layout, dir, limitBytes, existsSync)) writeFileSync(file, value);
    } catch (err) {
      rmdirSync(dir);
      throw new Error(`--memory-limit: cannot set the limit of ${dir}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return cgroup;
  }

  stats(): CgroupMemoryStats {
    return cgroupMemoryStats(this.layout, this.dir, readText);
  }

  /** Removes the cgroup once its processes have gone (a killed process may take a moment to leave it). */
  async remove(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        rmdirSync(this.dir);
        return;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ENOENT') return;
        if (code !== 'EBUSY' || attempt >= 50) throw err;
        await sleep(100);
      }
    }
  }
}

/** cgroup v2 limits a child's memory only when its parent delegates the memory controller to children. */
function enableMemoryController(root: string): void {
  const control = `${root}/cgroup.subtree_control`;
  if (!(readText(control) ?? '').split(/\s+/).includes('memory')) writeFileSync(control, '+memory');
}
