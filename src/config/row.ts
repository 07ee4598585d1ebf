// What one row of the settings table holds, and the `Config` type that the table's rows spell out.

/** The process facts that are neither flags nor environment; main.ts passes them, tests need not. */
export interface HostFacts {
  hostname?: string;
  pid?: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** How a setting's text is read and checked; also its TypeScript type in `Config`. */
export type SettingKind =
  | 'string'
  | 'list'
  | 'duration'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'enum'
  | 'address'
  | 'fixed';

/** Kubernetes names a string (or each item of a list) must be. */
export const FORMATS = {
  namespace: {
    pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    maxLength: 63,
    noun: 'a namespace name (lowercase DNS label)',
  },
  'lease-name': {
    pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    maxLength: 253,
    noun: 'a Lease name (lowercase DNS subdomain)',
  },
} as const;
export type NameFormat = keyof typeof FORMATS;

/** What every setting a user can change declares. */
interface Settable {
  /** Where the value lives in `Config`, dotted ("timeouts.global"); the first part is its group. */
  path: string;
  /** The command-line flag, without its dashes. */
  flag: string;
  /** A platform variable (KUBECONFIG, POD_NAME) instead of ORCHESTRATOR_ + the flag in upper snake case. */
  env?: string;
  /** One sentence: what the setting does and why its default is what it is. */
  why: string;
  /** A valid value: shown by --help and in the fix of every error message. */
  example: string;
  /** The default in words, where the value alone would not say it (absent or derived defaults). */
  defaultText?: string;
}

export type DurationRow = Settable & {
  kind: 'duration';
  /** Milliseconds. */
  default: number;
  /** Milliseconds; never above Node's timer limit (see settings.ts). The least is 1 ms, or 0 when offAtZero. */
  max: number;
  /** 0 is allowed, and turns off what the setting bounds (a storm-protection rule). */
  offAtZero?: boolean;
  /** Flag of a duration this one must be strictly shorter than. */
  shorterThan?: string;
  /** Flag of a duration this one must not be longer than. */
  notLongerThan?: string;
};
export type IntegerRow = Settable & { kind: 'integer'; default: number; min: number; max: number };
/** A positive number, possibly fractional. */
export type NumberRow = Settable & { kind: 'number'; default: number; max: number };
export type BooleanRow = Settable & { kind: 'boolean'; default: boolean };
export type EnumRow = Settable & {
  kind: 'enum';
  default: string;
  choices: readonly string[];
  /** What a value is called in errors ("a log level"); "one of ..." when absent. */
  noun?: string;
};
/** Comma-separated on the command line. */
export type ListRow = Settable & {
  kind: 'list';
  default: readonly string[];
  /** What one item is ("namespace"), for help and errors. */
  item: string;
  format?: NameFormat;
  minItems?: number;
};
/** Absent (`default: undefined`) makes the field optional; an empty value then means unset. */
export type StringRow = Settable & {
  kind: 'string';
  default: string | undefined;
  format?: NameFormat;
  /** A default that depends on the host, used by loadConfig instead of `default`. */
  defaultFrom?: (env: Env, host: HostFacts) => string;
};
/** host:port, read into `{ host, port }`. */
export type AddressRow = Settable & {
  kind: 'address';
  default: { readonly host: string; readonly port: number };
};
/** A value in `Config` that no flag changes; listed so the docs say why it is what it is. */
export interface FixedRow {
  path: string;
  kind: 'fixed';
  default: number;
  why: string;
}

export type SettableRow =
  | DurationRow
  | IntegerRow
  | NumberRow
  | BooleanRow
  | EnumRow
  | ListRow
  | StringRow
  | AddressRow;
export type Row = SettableRow | FixedRow;

// ---------------------------------------------------------------------------------------------
// The Config type, spelled by the rows: each row's path becomes nested fields, its kind the type.

type ValueOf<R> = R extends { kind: 'duration' | 'integer' | 'number' | 'fixed' }
  ? number
  : R extends { kind: 'boolean' }
    ? boolean
    : R extends { kind: 'list' }
      ? string[]
      : R extends { kind: 'address' }
        ? { host: string; port: number }
        : R extends { kind: 'enum'; choices: readonly (infer C)[] }
          ? C
          : string;

type Nest<P extends string, R> = P extends `${infer Head}.${infer Tail}`
  ? { [K in Head]: Nest<Tail, R> }
  : R extends { default: undefined }
    ? { [K in P]?: ValueOf<R> }
    : { [K in P]: ValueOf<R> };

type Leaf<R> = R extends { path: infer P extends string } ? Nest<P, R> : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type Merged<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]: Merged<T[K]> } : T;

/** The nested object whose fields are the rows' paths, typed by the rows' kinds. */
export type ConfigOf<Rows extends readonly Row[]> = Merged<Intersection<Leaf<Rows[number]>>>;
