// The settings table in words: --help, and the list that the chart's schema and the docs are built from.
import { formatDuration } from '../util/duration.js';
import { FORMATS, type Row, type SettableRow, type SettingKind } from './row.js';
import { GROUPS, SETTINGS } from './settings.js';

/** The table's rows, typed alike. */
export const ROWS: readonly Row[] = SETTINGS;
/** The rows a flag can change, in table order. */
export const SETTABLE: readonly SettableRow[] = ROWS.filter((r): r is SettableRow => r.kind !== 'fixed');
export const BY_FLAG: ReadonlyMap<string, SettableRow> = new Map(SETTABLE.map((r) => [r.flag, r]));

/** ORCHESTRATOR_ + the flag in upper snake case, unless the row names a platform variable. */
export const envOf = (row: SettableRow): string =>
  row.env ?? `ORCHESTRATOR_${row.flag.toUpperCase().replaceAll('-', '_')}`;

/** Go spelling of a duration, in ms below a second ("100ms" reads better than "0.1s"). */
export const dur = (ms: number): string =>
  ms > 0 && ms < 1000 && Number.isInteger(ms) ? `${ms}ms` : formatDuration(ms);

export const groupOf = (row: Row): keyof typeof GROUPS => row.path.split('.')[0] as keyof typeof GROUPS;

/** The default as written on the command line, or in words where it is absent or derived. */
export function defaultText(row: Row): string {
  if ('defaultText' in row && row.defaultText !== undefined) return row.defaultText;
  switch (row.kind) {
    case 'duration':
      return dur(row.default);
    case 'list':
      return row.default.join(',');
    case 'address':
      return `${row.default.host}:${row.default.port}`;
    default:
      return String(row.default);
  }
}

/** The allowed range of a numeric setting, as error messages and the docs write it. */
export function rangeText(row: SettableRow): string {
  switch (row.kind) {
    case 'duration':
      return `${row.offAtZero ? '0 (off)' : '1ms'} to ${dur(row.max)}`;
    case 'integer':
      return `${row.min} to ${row.max}`;
    case 'number':
      return `more than 0, at most ${row.max}`;
    default:
      return '';
  }
}

/** What a setting accepts, in one line. */
export function acceptsText(row: Row): string {
  switch (row.kind) {
    case 'duration': {
      const order = row.shorterThan
        ? `, shorter than --${row.shorterThan}`
        : row.notLongerThan
          ? `, not longer than --${row.notLongerThan}`
          : '';
      return `${rangeText(row)}${order}`;
    }
    case 'integer':
      return `a whole number, ${rangeText(row)}`;
    case 'number':
      return `a number, ${rangeText(row)}`;
    case 'boolean':
      return 'true, false, 1, 0';
    case 'enum':
      return row.choices.join(', ');
    case 'list': {
      const each = row.format ? `, each ${FORMATS[row.format].noun}` : '';
      const least = row.minItems ? `, at least ${row.minItems}` : '';
      return `comma-separated ${row.item}s${each}${least}`;
    }
    case 'string':
      return row.format ? FORMATS[row.format].noun : 'text';
    case 'address':
      return 'host:port, port 0-65535';
    case 'fixed':
      return 'fixed, not a flag';
  }
}

/** The --help text: every flag, its environment variable, its default, range and why. */
export function configHelp(): string {
  const lines = [
    'Usage: remediation-orchestrator [flags]',
    '',
    'Flags take --name=value or --name value (booleans: --leader-elect, --leader-elect=false).',
    'A flag overrides its environment variable, which overrides the default.',
    "Durations are Go durations: 90s, 15m, 1h30m. A value outside the setting's range is refused.",
  ];
  let group = '';
  for (const row of SETTABLE) {
    const title = GROUPS[groupOf(row)].title;
    if (title !== group) {
      group = title;
      lines.push('', `${group}:`);
    }
    const value = row.kind === 'boolean' ? '' : `=${row.example}`;
    lines.push(
      `  --${row.flag}${value}`,
      `      ${row.why}`,
      `      env ${envOf(row)}; default ${defaultText(row)}; accepts ${acceptsText(row)}`,
    );
  }
  lines.push('', '  -h, --help', '      Print this help and exit.');
  return lines.join('\n');
}

/** One settable row as tools see it (the Helm chart's schema, docs/configuration.md). */
export interface SettingDescription {
  flag: string;
  env: string;
  /** Where the value lives in Config ("timeouts.global"). */
  path: string;
  default: string;
  why: string;
  /** A valid value. */
  example: string;
  group: string;
  kind: Exclude<SettingKind, 'fixed'>;
  accepts: string;
  choices?: readonly string[];
  /** Least value: ms for durations. */
  min?: number;
  /** Greatest value: ms for durations. */
  max?: number;
  /** For names: the pattern and length of the Kubernetes name (for lists, of each item). */
  pattern?: string;
  maxLength?: number;
  minItems?: number;
}

/** The settings table (flag, env, default, why, kind, range), for docs and tooling. */
export function configSettings(): SettingDescription[] {
  return SETTABLE.map((row) => {
    const format = 'format' in row && row.format !== undefined ? FORMATS[row.format] : undefined;
    return {
      flag: `--${row.flag}`,
      env: envOf(row),
      path: row.path,
      default: defaultText(row),
      why: row.why,
      example: row.example,
      group: GROUPS[groupOf(row)].title,
      kind: row.kind,
      accepts: acceptsText(row),
      ...(row.kind === 'enum' ? { choices: row.choices } : {}),
      ...(row.kind === 'duration' ? { min: row.offAtZero ? 0 : 1, max: row.max } : {}),
      ...(row.kind === 'integer' ? { min: row.min, max: row.max } : {}),
      ...(row.kind === 'number' ? { max: row.max } : {}),
      ...(format ? { pattern: format.pattern.source, maxLength: format.maxLength } : {}),
      ...(row.kind === 'list' && row.minItems !== undefined ? { minItems: row.minItems } : {}),
    };
  });
}
