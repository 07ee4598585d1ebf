// Go-style durations ("90s", "15m", "1h30m", "1.5h") as the CRDs and the configuration write them.
const UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
export const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;

/** Milliseconds of a Go duration string; throws a clear error for anything else. */
export function parseDuration(text: string): number {
  if (!DURATION.test(text)) {
    throw new Error(`"${text}" is not a duration: write it as a Go duration such as 90s, 15m or 1h30m`);
  }
  let ms = 0;
  for (const [, value, unit] of text.matchAll(PART)) ms += Number(value) * UNITS_MS[unit as string]!;
  return Math.round(ms);
}

/** The shortest Go-style spelling of whole milliseconds: 5400000 -> "1h30m", 1500 -> "1.5s". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
