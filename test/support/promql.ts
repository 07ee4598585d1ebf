// What a PromQL expression reads: its metric names and the label names it matches or groups by. A
// small scanner for the queries of our dashboard and alerts, not a PromQL parser: it knows selectors
// ({...}), ranges ([...]), grouping clauses and function calls, which is all those queries use.
import type { Registry } from 'prom-client';

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool']);
const OPERATORS = new Set(['and', 'or', 'unless', 'offset', 'inf', 'nan']);
const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
const MATCHER = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"/g;

export interface Reads {
  metrics: string[];
  labels: string[];
}

export function reads(expr: string): Reads {
  const labels = new Set<string>();
  let rest = expr.replace(/\{([^}]*)\}/g, (_, inside: string) => {
    for (const m of inside.matchAll(MATCHER)) labels.add(m[1]!);
    return ' ';
  });
  rest = rest.replace(GROUPING, (_, names: string) => {
    for (const n of names.split(',')) if (n.trim()) labels.add(n.trim());
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' ').replace(/"(?:[^"\\]|\\.)*"/g, ' ');
  const metrics = new Set<string>();
  for (const m of rest.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || KEYWORDS.has(name!) || OPERATORS.has(name!.toLowerCase())) continue;
    metrics.add(name!);
  }
  return { metrics: [...metrics], labels: [...labels] };
}

/** The labels Prometheus adds when it scrapes a target (the ServiceMonitor's, and a plain scrape's). */
export const TARGET_LABELS = ['namespace', 'job', 'instance', 'pod', 'service', 'container', 'endpoint'];

/**
 * Every series name a scrape of `registry` can yield (histograms and summaries with their suffixes),
 * each with the label names it can carry.
 */
export async function exportedSeries(registry: Registry): Promise<Map<string, string[]>> {
  const series = new Map<string, string[]>();
  for (const m of await registry.getMetricsAsJSON()) {
    const labelNames = (registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] }).labelNames;
    const labels = [...(labelNames ?? [])];
    const type = String(m.type);
    if (type === 'histogram') {
      series.set(`${m.name}_bucket`, [...labels, 'le']);
      series.set(`${m.name}_sum`, labels);
      series.set(`${m.name}_count`, labels);
    } else if (type === 'summary') {
      series.set(m.name, [...labels, 'quantile']);
      series.set(`${m.name}_sum`, labels);
      series.set(`${m.name}_count`, labels);
    } else {
      series.set(m.name, labels);
    }
  }
  return series;
}
