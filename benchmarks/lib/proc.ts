// /proc sampling of a process's resident memory and CPU time (Linux only), and discovery of the
// local control plane's processes among our descendants (they run under bash watchdogs).
import { readFileSync, readdirSync } from 'node:fs';
import { HEAP_FLAG } from './args.js';

/** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux this runs on (getconf CLK_TCK). */
const CLK_TCK = 100;

export interface ProcSample {
  /** Resident set size now, bytes. */
  rssBytes: number;
  /** Peak resident set size (VmHWM), bytes. */
  peakRssBytes: number;
  /** User + system CPU time, seconds, of all the process's threads. */
  cpuSeconds: number;
}

export function readProc(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM'), cpuSeconds: (utime + stime) / CLK_TCK };
  } catch {
    return undefined;
  }
}

/** The process's command line, or undefined when it cannot be read. */
export function readCmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** V8's heap bounds among a command line's arguments. */
export function heapFlagsIn(args: readonly string[]): string[] {
  return args.filter((a) => HEAP_FLAG.test(a));
}

/** The heap flags `pid` runs with; null when its command line cannot be read. */
export function heapFlags(pid: number): string[] | null {
  const args = readCmdline(pid);
  return args ? heapFlagsIn(args) : null;
}

function children(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    return [];
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The first descendant of `root` (breadth first) whose command name is `name`, e.g. kube-apiserver. */
export function findDescendant(root: number, name: string): number | undefined {
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    for (const child of children(pid)) {
      if (comm(child) === name) return child;
      queue.push(child);
    }
  }
  return undefined;
}

/** A process watched over a run: CPU used since `start()`, peak RSS, and a time series for the chart. */
export class ProcWatcher {
  private first: ProcSample | undefined;
  last: ProcSample | undefined;
  peakRssBytes = 0;
  readonly series: { t: number; rssBytes: number; cpuSeconds: number }[] = [];

  constructor(readonly pid: number | undefined) {}

  sample(t: number): void {
    if (this.pid === undefined) return;
    const s = readProc(this.pid);
    if (!s) return;
    this.first ??= s;
    this.last = s;
    this.peakRssBytes = Math.max(this.peakRssBytes, s.rssBytes, s.peakRssBytes);
    this.series.push({ t, rssBytes: s.rssBytes, cpuSeconds: s.cpuSeconds - this.first.cpuSeconds });
  }

  /** CPU seconds between the first and the last sample. */
  cpuSeconds(): number | null {
    if (!this.first || !this.last) return null;
    return this.last.cpuSeconds - this.first.cpuSeconds;
  }
}
