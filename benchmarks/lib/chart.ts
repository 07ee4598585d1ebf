// An SVG chart generated from result JSON (no dependencies): latency percentiles per run on a log
// scale, and requests finished over time per run.
import type { BenchmarkResult } from './result.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
/** The throughput panel's legend: one entry per run, this tall. */
const LEGEND_ROW = 36;

function fmtMs(v: number): string {
  if (v >= 1000) return `${+(v / 1000).toPrecision(3)}s`;
  return `${+v.toPrecision(3)}ms`;
}

/** Panel 1: grouped bars of p50/p95/p99 of pickup, hand-off and overhead per run, log y axis. */
function latencyPanel(results: BenchmarkResult[], x0: number, y0: number, w: number, h: number): string {
  const metrics = [
    ['pickup', 'pickup'],
    ['handoff', 'hand-off'],
    ['overhead', 'end-to-end overhead'],
  ] as const;
  const quantiles = ['p50', 'p95', 'p99'] as const;
  const values = results
    .flatMap((r) => metrics.flatMap(([m]) => quantiles.map((q) => r.latencyMs[m]?.[q] ?? 0)))
    .filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(0.1, Math.min(...values, 1)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
  const y = (v: number): number =>
    y0 + h - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * h;
  const out: string[] = [];
  out.push(
    `<text x="${x0}" y="${y0 - 12}" font-size="14" font-weight="bold">Latency per run (log scale): p50 / p95 / p99, measured from outside the orchestrator</text>`,
  );
  for (let d = lo; d <= hi; d *= 10) {
    out.push(
      `<line x1="${x0}" x2="${x0 + w}" y1="${y(d)}" y2="${y(d)}" stroke="#ddd"/><text x="${x0 - 6}" y="${y(d) + 4}" font-size="11" text-anchor="end">${fmtMs(d)}</text>`,
    );
  }
  out.push(
    `<line x1="${x0}" x2="${x0 + w}" y1="${y(100)}" y2="${y(100)}" stroke="#d62728" stroke-dasharray="4 3"/><text x="${x0 + w - 4}" y="${y(100) - 4}" font-size="10" fill="#d62728" text-anchor="end">100 ms target (pickup, hand-off)</text>`,
  );
  const groupW = w / Math.max(1, results.length);
  const labelWidth = Math.max(8, Math.floor(groupW / 6.5));
  const labelLines = Math.max(1, ...results.map((r) => wrapAtDashes(r.name, labelWidth).length));
  const legendY = y0 + h + 16 + 12 * labelLines;
  const barW = Math.min(14, (groupW - 20) / (metrics.length * quantiles.length + metrics.length));
  results.forEach((r, i) => {
    const gx = x0 + i * groupW + 10;
    metrics.forEach(([m], mi) => {
      quantiles.forEach((q, qi) => {
        const v = r.latencyMs[m]?.[q];
        if (v === undefined || v <= 0) return;
        const bx = gx + (mi * (quantiles.length + 1) + qi) * barW;
        out.push(
          `<rect x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(y0 + h - y(v)).toFixed(1)}" fill="${COLORS[mi]}" fill-opacity="${0.45 + qi * 0.25}"><title>${esc(`${r.name} ${m} ${q} = ${fmtMs(v)}`)}</title></rect>`,
        );
      });
    });
    const cx = gx + (groupW - 20) / 2;
    const lines = wrapAtDashes(r.name, labelWidth);
    out.push(
      `<text x="${cx}" y="${y0 + h + 16}" font-size="11" text-anchor="middle">${lines.map((l, li) => `<tspan x="${cx}" dy="${li === 0 ? 0 : 12}">${esc(l)}</tspan>`).join('')}</text>`,
    );
  });
  metrics.forEach(([, label], mi) => {
    out.push(
      `<rect x="${x0 + mi * 190}" y="${legendY}" width="12" height="12" fill="${COLORS[mi]}"/><text x="${x0 + mi * 190 + 16}" y="${legendY + 10}" font-size="12">${esc(label)} (light→dark: p50, p95, p99)</text>`,
    );
  });
  return out.join('\n');
}

/** Panel 2: requests finished over time, per run (x: seconds since the first create). */
function throughputPanel(results: BenchmarkResult[], x0: number, y0: number, w: number, h: number): string {
  const maxT = Math.max(1, ...results.flatMap((r) => r.series.map((p) => p.t)));
  const maxN = Math.max(1, ...results.map((r) => r.options.count));
  const x = (t: number): number => x0 + (t / maxT) * w;
  const yLog = (n: number): number =>
    y0 + h - (Math.log10(Math.max(1, n)) / Math.log10(Math.max(10, maxN))) * h;
  const out: string[] = [];
  out.push(
    `<text x="${x0}" y="${y0 - 12}" font-size="14" font-weight="bold">Requests finished over time (log scale) and orchestrator RSS</text>`,
  );
  for (let n = 1; n <= maxN * 1.001; n *= 10)
    out.push(
      `<line x1="${x0}" x2="${x0 + w}" y1="${yLog(n)}" y2="${yLog(n)}" stroke="#ddd"/><text x="${x0 - 6}" y="${yLog(n) + 4}" font-size="11" text-anchor="end">${n}</text>`,
    );
  const step =
    Math.pow(10, Math.floor(Math.log10(maxT))) /
    (maxT / Math.pow(10, Math.floor(Math.log10(maxT))) < 3 ? 2 : 1);
  for (let t = 0; t <= maxT; t += step)
    out.push(
      `<text x="${x(t)}" y="${y0 + h + 16}" font-size="11" text-anchor="middle">${+t.toFixed(1)}s</text>`,
    );
  results.forEach((r, i) => {
    const pts = r.series
      .filter((p) => p.finished > 0)
      .map((p) => `${x(p.t).toFixed(1)},${yLog(p.finished).toFixed(1)}`);
    if (pts.length > 0)
      out.push(
        `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${pts.join(' ')}"><title>${esc(r.name)}</title></polyline>`,
      );
    const peak = r.orchestrator.peakRssBytes
      ? `${(r.orchestrator.peakRssBytes / 2 ** 20).toFixed(0)} MB peak RSS`
      : 'RSS n/a';
    out.push(
      `<rect x="${x0 + w + 20}" y="${y0 + i * LEGEND_ROW}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${x0 + w + 36}" y="${y0 + i * LEGEND_ROW + 10}" font-size="12">${esc(r.name)}</text><text x="${x0 + w + 36}" y="${y0 + i * LEGEND_ROW + 24}" font-size="11" fill="#555">${r.throughput.drainSeconds ?? '?'} s drain, ${r.throughput.sustainedPerSecond ?? '?'}/s, ${peak}</text>`,
    );
  });
  return out.join('\n');
}

export function renderChart(results: BenchmarkResult[]): string {
  const width = 1000;
  // Tall enough for the legend of the throughput panel (drawn from y = 470).
  const height = Math.max(760, 470 + results.length * LEGEND_ROW + 20);
  const meta = results[0];
  const caption = meta
    ? `${meta.machine.cores} cores, ${(meta.machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, Node ${meta.machine.node}, Kubernetes ${meta.kubernetes.version}, commit ${distinct(results.map((r) => r.git?.commit.slice(0, 7) ?? '?'))}, ${distinct(results.map((r) => r.date.slice(0, 10)))}`
    : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="20" y="24" font-size="16" font-weight="bold">Remediation orchestrator benchmark</text>`,
    `<text x="20" y="42" font-size="11" fill="#555">${esc(caption)} (generated by benchmarks/run.ts from the result JSON)</text>`,
    latencyPanel(results, 70, 90, 880, 260),
    throughputPanel(results, 70, 470, 600, 240),
    '</svg>',
    '',
  ].join('\n');
}

function distinct(values: string[]): string {
  return [...new Set(values)].join(' / ');
}

/** Splits a run name after dashes into lines of at most `width` characters (a longer part stays whole). */
export function wrapAtDashes(name: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of name.split(/(?<=-)/)) {
    if (line && line.length + part.length > width) {
      lines.push(line);
      line = '';
    }
    line += part;
  }
  if (line) lines.push(line);
  return lines;
}
