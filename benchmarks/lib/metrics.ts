// Scrapes the orchestrator's Prometheus /metrics and turns two scrapes into API calls by verb and kind.
import { request } from 'node:http';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (comments skipped; label values unescaped). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export function scrape(
  port: number,
  path = '/metrics',
  timeoutMs = 10_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET 127.0.0.1:${port}${path} timed out`)));
    req.end();
  });
}

export async function scrapeSamples(port: number): Promise<Sample[]> {
  const { status, body } = await scrape(port);
  if (status !== 200) throw new Error(`GET /metrics answered ${status}`);
  return parsePrometheus(body);
}

/** The sum of `name` over samples whose labels match `where`. */
export function sum(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

/** `remediation_api_requests_total` between two scrapes, keyed "verb kind" (all codes summed), and by code. */
export function apiCallsBetween(
  before: Sample[],
  after: Sample[],
): { byVerbKind: Record<string, number>; byCode: Record<string, number> } {
  const key = (s: Sample): string => `${s.labels.verb ?? '?'} ${s.labels.kind ?? '?'}`;
  const byVerbKind: Record<string, number> = {};
  const byCode: Record<string, number> = {};
  const name = 'remediation_api_requests_total';
  for (const s of after)
    if (s.name === name) {
      byVerbKind[key(s)] = (byVerbKind[key(s)] ?? 0) + s.value;
      byCode[s.labels.code ?? '?'] = (byCode[s.labels.code ?? '?'] ?? 0) + s.value;
    }
  for (const s of before)
    if (s.name === name) {
      byVerbKind[key(s)] = (byVerbKind[key(s)] ?? 0) - s.value;
      byCode[s.labels.code ?? '?'] = (byCode[s.labels.code ?? '?'] ?? 0) - s.value;
    }
  for (const m of [byVerbKind, byCode]) for (const k of Object.keys(m)) if (m[k] === 0) delete m[k];
  return { byVerbKind, byCode };
}
