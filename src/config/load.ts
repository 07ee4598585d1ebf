// Reading the settings table's values from flags and environment, checked against each row's rules.
//
// `loadConfig` is pure: it reads nothing but its arguments, so tests and main.ts see the same rules.
// Precedence is flag > environment variable > default.
import { parseDuration } from '../util/duration.js';
import { BY_FLAG, ROWS, SETTABLE, dur, envOf, rangeText } from './describe.js';
import { ConfigError } from './error.js';
import {
  FORMATS,
  type DurationRow,
  type Env,
  type HostFacts,
  type IntegerRow,
  type NumberRow,
  type Row,
  type SettableRow,
} from './row.js';
import type { Config } from './settings.js';

type Tree = Record<string, unknown>;

function put(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let node = tree;
  for (const key of keys) node = (node[key] ??= {}) as Tree;
  node[last] = value;
}

/** A fresh copy, so that callers may change what they get. */
function copyOf(value: unknown): unknown {
  if (Array.isArray(value)) return [...(value as unknown[])];
  if (typeof value === 'object' && value !== null) return { ...value };
  return value;
}

/** The configuration when no flag and no environment variable is set. */
export function defaultConfig(): Config {
  const tree: Tree = {};
  for (const row of ROWS) if (row.default !== undefined) put(tree, row.path, copyOf(row.default));
  return tree as Config;
}

// ---------------------------------------------------------------------------------------------
// Reading raw values

/** A value as received, with where it came from, so that errors can point at it. */
interface Raw {
  text: string;
  /** "--qps" or "ORCHESTRATOR_QPS". */
  source: string;
  fromFlag: boolean;
  row: SettableRow;
}

/** True when argv asks for the help text (main.ts then prints `configHelp()` and exits 0). */
export function helpRequested(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--help' || a === '-h');
}

function readRaw(argv: readonly string[], env: Env): Map<string, Raw> {
  const raw = new Map<string, Raw>();
  for (const row of SETTABLE) {
    const text = env[envOf(row)];
    // An empty variable counts as unset: templates often render `VALUE: ""` for "not configured".
    if (text !== undefined && text !== '') raw.set(row.flag, { text, source: envOf(row), fromFlag: false, row });
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') continue;
    if (!arg.startsWith('--') || arg === '--') {
      throw new ConfigError(arg, arg, `"${arg}": unexpected argument; write settings as --name=value (see --help)`);
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const row = BY_FLAG.get(name);
    if (!row) {
      const known = SETTABLE.map((r) => `--${r.flag}`).join(', ');
      throw new ConfigError(`--${name}`, arg, `--${name}: unknown flag; write one of ${known} (see --help)`);
    }
    let text: string;
    if (eq !== -1) {
      text = arg.slice(eq + 1);
    } else if (row.kind === 'boolean') {
      // A bare boolean flag means true; `--leader-elect false` would be ambiguous, so use `=`.
      text = 'true';
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new ConfigError(`--${name}`, undefined, `--${name}: no value given; write e.g. --${name}=${row.example}`);
      }
      text = next;
      i++;
    }
    raw.set(row.flag, { text, source: `--${row.flag}`, fromFlag: true, row });
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------
// Parsing and checking one value

function fail(r: Raw, rule: string): never {
  const fix = r.fromFlag ? `--${r.row.flag}=${r.row.example}` : `${envOf(r.row)}=${r.row.example}`;
  throw new ConfigError(r.source, r.text, `${r.source}: "${r.text}" ${rule}; write e.g. ${fix}`);
}

function parseDurationMs(r: Raw, row: DurationRow): number {
  // Go's time.ParseDuration takes a bare 0 too: here only where 0 turns something off.
  if (row.offAtZero && r.text.trim() === '0') return 0;
  let ms: number;
  try {
    ms = parseDuration(r.text.trim());
  } catch {
    fail(r, 'is not a Go duration (90s, 15m, 1h30m)');
  }
  if (ms < 0 || (ms === 0 && !row.offAtZero)) fail(r, 'is not longer than zero');
  if (ms > row.max) fail(r, `is longer than ${dur(row.max)} (allowed: ${rangeText(row)})`);
  return ms;
}

function parsePositive(r: Raw, row: NumberRow): number {
  const n = Number(r.text.trim());
  if (r.text.trim() === '' || !Number.isFinite(n) || n <= 0) fail(r, 'is not a positive number');
  if (n > row.max) fail(r, `is more than ${row.max} (allowed: ${rangeText(row)})`);
  return n;
}

function parseInteger(r: Raw, row: IntegerRow): number {
  const t = r.text.trim();
  const n = Number(t);
  if (!/^\d+$/.test(t) || !Number.isSafeInteger(n) || n < row.min) fail(r, `is not a whole number >= ${row.min}`);
  if (n > row.max) fail(r, `is more than ${row.max} (allowed: ${rangeText(row)})`);
  return n;
}

function parseBoolean(r: Raw): boolean {
  const t = r.text.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return fail(r, 'is not true or false');
}

function parseAddress(r: Raw): { host: string; port: number } {
  const t = r.text.trim();
  const colon = t.lastIndexOf(':');
  if (colon === -1) fail(r, 'is not host:port');
  let host = t.slice(0, colon);
  const portText = t.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1); // [::1]:8080
  if (host === '') host = '0.0.0.0';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) fail(r, 'does not end in a port 0-65535');
  return { host, port };
}

const isName = (format: keyof typeof FORMATS, text: string): boolean =>
  FORMATS[format].pattern.test(text) && text.length <= FORMATS[format].maxLength;

/** The value of `r` for its row; undefined for an optional string left empty. */
function parse(r: Raw): unknown {
  const row = r.row;
  switch (row.kind) {
    case 'duration':
      return parseDurationMs(r, row);
    case 'integer':
      return parseInteger(r, row);
    case 'number':
      return parsePositive(r, row);
    case 'boolean':
      return parseBoolean(r);
    case 'address':
      return parseAddress(r);
    case 'enum': {
      const t = r.text.trim().toLowerCase();
      if (!row.choices.includes(t)) {
        fail(r, row.noun ? `is not ${row.noun} (${row.choices.join(', ')})` : `is not one of ${row.choices.join(', ')}`);
      }
      return t;
    }
    case 'list': {
      const list = r.text
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      const format = row.format;
      const bad = format ? list.find((x) => !isName(format, x)) : undefined;
      if (format && bad !== undefined) fail(r, `names "${bad}", which is not ${FORMATS[format].noun}`);
      if (list.length < (row.minItems ?? 0)) fail(r, `lists no ${row.item}`);
      return list;
    }
    case 'string': {
      const t = r.text.trim();
      if (t === '') return row.default === undefined ? undefined : fail(r, 'is empty');
      if (row.format && !isName(row.format, t)) fail(r, `is not ${FORMATS[row.format].noun}`);
      return t;
    }
  }
}

function fallback(row: Row, env: Env, host: HostFacts): unknown {
  if (row.kind === 'string' && row.defaultFrom) return row.defaultFrom(env, host);
  return copyOf(row.default);
}

/**
 * The configuration from command-line flags (process.argv.slice(2)) and environment, over defaults.
 * Throws ConfigError naming the flag or variable, the value and the fix. `--help` is ignored here:
 * check `helpRequested(argv)` first. `host` supplies hostname and pid for the default Lease identity.
 */
export function loadConfig(argv: readonly string[], env: Env, host: HostFacts = {}): Config {
  const raw = readRaw(argv, env);
  const tree: Tree = {};
  const durations = new Map<string, number>();
  for (const row of ROWS) {
    const r = row.kind === 'fixed' ? undefined : raw.get(row.flag);
    const value = r ? parse(r) : fallback(row, env, host);
    if (value !== undefined) put(tree, row.path, value);
    if (row.kind === 'duration') durations.set(row.flag, value as number);
  }
  for (const row of SETTABLE) {
    if (row.kind !== 'duration') continue;
    const value = durations.get(row.flag)!;
    if (row.notLongerThan !== undefined) {
      checkOrder(raw, row.flag, value, row.notLongerThan, durations.get(row.notLongerThan)!, 'no longer than');
    }
    if (row.shorterThan !== undefined) {
      checkOrder(raw, row.flag, value, row.shorterThan, durations.get(row.shorterThan)!, 'shorter than');
    }
  }
  return tree as Config;
}

/**
 * Checks `small` (strictly when `relation` is "shorter than") against `large` and blames whichever
 * of the two was set by the user, the smaller one first; the fix suggests a value that fits.
 */
function checkOrder(
  raw: Map<string, Raw>,
  smallFlag: string,
  small: number,
  largeFlag: string,
  large: number,
  relation: 'shorter than' | 'no longer than',
): void {
  const ok = relation === 'shorter than' ? small < large : small <= large;
  if (ok) return;
  const smallRaw = raw.get(smallFlag);
  const largeRaw = raw.get(largeFlag);
  const blameSmall = smallRaw !== undefined || largeRaw === undefined;
  const [flag, r, value, other, otherValue] = blameSmall
    ? [smallFlag, smallRaw, small, largeFlag, large]
    : [largeFlag, largeRaw, large, smallFlag, small];
  const row = BY_FLAG.get(flag)!;
  const source = r?.source ?? `--${flag}`;
  const written = r?.text ?? dur(value);
  const largeRule = relation === 'shorter than' ? 'is not longer than' : 'is shorter than';
  const rule = `${blameSmall ? `is not ${relation}` : largeRule} --${other} (${dur(otherValue)})`;
  const suggestion = blameSmall
    ? dur(relation === 'shorter than' ? Math.max(1, Math.floor(otherValue / 2)) : otherValue)
    : dur(otherValue * 2);
  const fix = r?.fromFlag === false ? `${envOf(row)}=${suggestion}` : `--${flag}=${suggestion}`;
  throw new ConfigError(source, written, `${source}: "${written}" ${rule}; write e.g. ${fix}`);
}
