// Summarises a V8 .cpuprofile (node --cpu-prof) of the orchestrator: self time by function and by
// module, to say where its CPU goes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by module: the package under node_modules, or the file under src/ (dist/ when compiled), or "(node)". */
  byModule: { module: string; ms: number; share: number }[];
  byFunction: { fn: string; ms: number; share: number }[];
}

function moduleOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/((?:src|dist|benchmarks)\/.*)$/.exec(url);
  if (src) return src[1]!;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

export function summariseProfile(dir: string, top = 15): ProfileSummary | null {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return null;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
    samples: number[];
  };
  const intervalMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const ms = (n.hitCount ?? 0) * intervalMs;
    if (ms === 0 || n.callFrame.functionName === '(idle)') continue;
    total += ms;
    const mod = moduleOf(n.callFrame.url, n.callFrame.functionName);
    byModule.set(mod, (byModule.get(mod) ?? 0) + ms);
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${mod}:${n.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const rank = <K extends string>(m: Map<string, number>, key: K) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, ms]) =>
          ({ [key]: k, ms: Math.round(ms), share: Math.round((ms / total) * 1000) / 1000 }) as {
            [P in K]: string;
          } & { ms: number; share: number },
      );
  return {
    totalMs: Math.round(total),
    byModule: rank(byModule, 'module'),
    byFunction: rank(byFunction, 'fn'),
  };
}
