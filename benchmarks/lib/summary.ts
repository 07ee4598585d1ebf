// A Markdown summary of results: one table row per run, and the targets met or missed by how much.
import type { BenchmarkResult } from './result.js';
import { distribution, type Distribution } from './stats.js';

const d = (x: Distribution | null): string =>
  x ? `${fmt(x.p50)} / ${fmt(x.p95)} / ${fmt(x.p99)} / ${fmt(x.max)}` : 'n/a';
function fmt(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  return `${ms.toFixed(ms < 10 ? 1 : 0)}ms`;
}
const mb = (b: number | null): string => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)}`);

/**
 * What each request in flight cost in resident memory: the orchestrator's peak RSS less its RSS at the
 * first sample (before the requests came), over the most requests in flight at once; in KiB.
 */
export function rssPerInFlightKib(
  r: Pick<BenchmarkResult, 'orchestrator' | 'series' | 'throughput'>,
): number | null {
  const start = r.series.find((p) => p.orchestratorRssMb !== null)?.orchestratorRssMb;
  const peak = r.orchestrator.peakRssBytes;
  if (start === undefined || start === null || peak === null || r.throughput.peakInFlight <= 0) return null;
  return Math.round(((peak - start * 2 ** 20) / r.throughput.peakInFlight / 1024) * 10) / 10;
}

export function summaryTable(results: BenchmarkResult[]): string {
  const rows = [
    '| run | N | rate | done | pickup p50/p95/p99/max | hand-off p50/p95/p99/max | overhead p50/p95/p99/max | drain s | N / drain per s | sustained per s | peak in flight | orch. peak RSS MB | orch. RSS KiB per request in flight | orch. CPU ms/rem. | API server CPU ms/rem. | writes/rem. (target) | events/rem. | reads/rem. |',
    '|---|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    rows.push(
      `| ${r.name} | ${r.options.count} | ${r.options.rate ?? 'burst'} | ${r.counts.completed}/${r.counts.finished}${r.failure ? ' (crashed)' : r.complete ? '' : ' (incomplete)'} | ${d(r.latencyMs.pickup)} | ${d(r.latencyMs.handoff)} | ${d(r.latencyMs.overhead)} | ${r.throughput.drainSeconds ?? 'n/a'} | ${r.throughput.overallPerSecond ?? 'n/a'} | ${r.throughput.sustainedPerSecond ?? 'n/a'} | ${r.throughput.peakInFlight} | ${mb(r.orchestrator.peakRssBytes)} | ${rssPerInFlightKib(r) ?? 'n/a'} | ${r.orchestrator.cpuMsPerRemediation ?? 'n/a'} | ${r.apiServer.cpuMsPerRemediation ?? 'n/a'} | ${r.api.writesPerRemediation} (${r.api.targetWritesPerRemediation}) | ${r.api.eventWritesPerRemediation} | ${r.api.readsPerRemediation} |`,
    );
  }
  return rows.join('\n');
}

/** The alert storm runs: what storm protection made of them, against the targets of issue 11. */
export function stormTable(results: BenchmarkResult[]): string {
  const rows = [
    '| run | N | fingerprints | created in s | remediations (target) | notifications (target) | suppressed | writes per suppressed mean / max (target) | all terminal after s | orch. CPU s | orch. peak RSS MB | outcomes |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|',
  ];
  for (const r of results) {
    const st = r.storm;
    if (!st) continue;
    const w = st.writesPerSuppressed;
    const outcomes = Object.entries(st.outcomes)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    rows.push(
      `| ${r.name} | ${r.options.count} | ${st.fingerprints} | ${r.throughput.createSeconds ?? 'n/a'} | ${st.remediations} (${st.fingerprints}) | ${st.notifications} (<= ${st.fingerprints + 1}) | ${st.suppressed} | ${w ? `${w.mean} / ${w.max}` : 'n/a'} (<= 3) | ${r.complete ? (r.throughput.drainSeconds ?? 'n/a') : 'incomplete'} | ${r.orchestrator.cpuSeconds ?? 'n/a'} | ${mb(r.orchestrator.peakRssBytes)} | ${outcomes} |`,
    );
  }
  return rows.length > 2 ? rows.join('\n') : '';
}

export function apiTable(results: BenchmarkResult[]): string {
  const keys = [...new Set(results.flatMap((r) => Object.keys(r.api.perRemediation)))].sort();
  const rows = [
    `| verb kind | ${results.map((r) => r.name).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
  ];
  for (const k of keys)
    rows.push(`| ${k} | ${results.map((r) => r.api.perRemediation[k] ?? 0).join(' | ')} |`);
  return rows.join('\n');
}

/** What the writer's adaptive concurrency limit did over the run's series, and its longest queue. */
export function writerSummary(
  series: BenchmarkResult['series'],
): { min: number; median: number; max: number; queueMax: number | null } | null {
  const numbers = (values: (number | null | undefined)[]): number[] =>
    values.filter((v): v is number => typeof v === 'number');
  const limits = numbers(series.map((p) => p.writerLimit));
  const queues = numbers(series.map((p) => p.writerQueue));
  const d = distribution(limits);
  if (!d) return null;
  return {
    min: Math.min(...limits),
    median: d.p50,
    max: d.max,
    queueMax: queues.length ? Math.max(...queues) : null,
  };
}

/** The lines a memory limit, an APF limit and the writer's limit add to a run's summary. */
function limitLines(r: BenchmarkResult): string[] {
  const lines: string[] = [];
  const m = r.memoryLimit;
  if (m)
    lines.push(
      `  memory limit ${m.limit} (cgroup v${m.cgroup.version}): heap flags ${r.orchestrator.heapFlags?.join(' ') || 'none'}; limit reached ${m.limitHits ?? 'n/a'} times, ${m.oomKills ?? 'n/a'} OOM kills${m.oom ? ' (OOM)' : ''}, cgroup peak ${mb(m.peakBytes)} MB`,
    );
  else if (r.orchestrator.heapFlags?.length) lines.push(`  heap flags ${r.orchestrator.heapFlags.join(' ')}`);
  if (r.apf)
    lines.push(
      `  APF: ${r.apf.seats} seat${r.apf.seats === 1 ? '' : 's'} and a queue of ${r.apf.queueLengthLimit} for ${r.apf.user}'s writes: ${r.apf.throttled} calls answered 429`,
    );
  else if (r.api.byCode['429']) lines.push(`  ${r.api.byCode['429']} calls answered 429`);
  const w = writerSummary(r.series);
  if (w)
    lines.push(
      `  write concurrency limit min/median/max ${w.min} / ${w.median} / ${w.max}, longest write queue ${w.queueMax ?? 'n/a'} (per-second scrapes)`,
    );
  return lines;
}

export function printable(r: BenchmarkResult): string {
  return [
    `${r.name}: ${r.counts.completed} completed, ${r.counts.finished - r.counts.completed} otherwise terminal, of ${r.options.count}${r.complete ? '' : ' (INCOMPLETE)'}${r.failure ? `: ${r.failure}` : ''}`,
    `  pickup   ms p50/p95/p99/max  ${d(r.latencyMs.pickup)}`,
    `  hand-off ms p50/p95/p99/max  ${d(r.latencyMs.handoff)}  (${r.counts.handoffs} hand-offs${r.counts.handoffsReordered ? `, ${r.counts.handoffsReordered} seen out of order` : ''})`,
    `  overhead ms p50/p95/p99/max  ${d(r.latencyMs.overhead)}  (end-to-end minus ${r.simulatedWorkMs} ms of simulated work)`,
    `  drain ${r.throughput.drainSeconds} s, ${r.throughput.overallPerSecond}/s overall, ${r.throughput.sustainedPerSecond}/s sustained, peak ${r.throughput.peakInFlight} in flight`,
    `  orchestrator: peak RSS ${mb(r.orchestrator.peakRssBytes)} MB, CPU ${r.orchestrator.cpuSeconds} s = ${r.orchestrator.cpuMsPerRemediation} ms per remediation`,
    `  kube-apiserver CPU ${r.apiServer.cpuSeconds ?? 'n/a'} s (${r.apiServer.cpuMsPerRemediation ?? 'n/a'} ms/rem.), etcd ${r.etcd.cpuSeconds ?? 'n/a'} s, simulator ${r.simulator.cpuSeconds ?? 'n/a'} s`,
    ...(r.storm
      ? [
          `  storm of ${r.storm.fingerprints} fingerprints: ${r.storm.remediations} remediations (target ${r.storm.fingerprints}), ${r.storm.notifications} notifications (target <= ${r.storm.fingerprints + 1}), ${r.storm.suppressed} suppressed at ${r.storm.writesPerSuppressed?.mean ?? 'n/a'} writes each (most ${r.storm.writesPerSuppressed?.max ?? 'n/a'}, target <= 3)`,
          `    ${Object.entries(r.storm.outcomes)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')}`,
        ]
      : []),
    `  API per remediation: ${r.api.writesPerRemediation} writes to our kinds (target <= ${r.api.targetWritesPerRemediation}), ${r.api.eventWritesPerRemediation} Events, ${r.api.readsPerRemediation} reads`,
    `    ${Object.entries(r.api.perRemediation)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    `  mean API call latency seen by the orchestrator: ${Object.entries(r.api.meanLatencyMs)
      .map(([k, v]) => `${k} ${v} ms`)
      .join(', ')}`,
    ...limitLines(r),
    ...(r.profile
      ? [
          `  orchestrator CPU profile (${r.profile.totalMs} ms): ${r.profile.byModule
            .slice(0, 8)
            .map((m) => `${m.module} ${(m.share * 100).toFixed(0)}%`)
            .join(', ')}`,
          `    top functions: ${r.profile.byFunction
            .slice(0, 8)
            .map((f) => `${f.fn} ${(f.share * 100).toFixed(1)}%`)
            .join(', ')}`,
        ]
      : []),
  ].join('\n');
}
