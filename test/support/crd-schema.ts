// Validates an object against its kind's CRD as the API server would, for the keywords the CRDs of
// config/crd/ use (type, lengths in code points, pattern, enum, items, properties, required, ranges,
// date-time), plus the API server's own rules for metadata.name and label values. Unknown fields,
// which the API server would drop or refuse, are reported too: the orchestrator should write none.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { KINDS, type KindName } from '../../src/api/index.js';

export interface Schema {
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  maxProperties?: number;
  minimum?: number;
  maximum?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

const cache = new Map<KindName, Schema>();

/** The openAPIV3Schema of `kind`'s CRD, as the file says (YAML anchors resolved). */
export function crdSchema(kind: KindName): Schema {
  let schema = cache.get(kind);
  if (!schema) {
    const file = `${KINDS[kind].group}_${KINDS[kind].plural}.yaml`;
    const crd = parse(readFileSync(new URL(`../../config/crd/${file}`, import.meta.url), 'utf8')) as {
      spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
    };
    schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
    cache.set(kind, schema);
  }
  return schema;
}

/** The schema at `path` ("spec.channels[]", "spec.metadata.*"), or undefined. */
export function schemaAt(root: Schema, path: string): Schema | undefined {
  let s: Schema | undefined = root;
  for (const part of path.split('.')) {
    const field = part.replace(/\[\]$/, '');
    s = field === '*' ? s?.additionalProperties : s?.properties?.[field];
    if (part.endsWith('[]')) s = s?.items;
  }
  return s;
}

const codePoints = (s: string): number => [...s].length;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function validate(v: unknown, s: Schema, path: string, out: string[]): void {
  if (v === undefined) return;
  const t = typeOf(v);
  if (s.type && !(s.type === t || (s.type === 'number' && t === 'integer'))) {
    out.push(`${path}: ${t}, not ${s.type}`);
    return;
  }
  if (s.enum && !s.enum.includes(v))
    out.push(`${path}: ${JSON.stringify(v)} is not one of ${s.enum.join(', ')}`);
  if (typeof v === 'string') {
    const n = codePoints(v);
    if (s.maxLength !== undefined && n > s.maxLength) out.push(`${path}: ${n} characters > ${s.maxLength}`);
    if (s.minLength !== undefined && n < s.minLength) out.push(`${path}: ${n} characters < ${s.minLength}`);
    if (s.pattern && !new RegExp(s.pattern, 'u').test(v)) out.push(`${path}: does not match ${s.pattern}`);
    if (s.format === 'date-time' && !DATE_TIME.test(v)) out.push(`${path}: not a date-time`);
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) out.push(`${path}: ${v} < ${s.minimum}`);
    if (s.maximum !== undefined && v > s.maximum) out.push(`${path}: ${v} > ${s.maximum}`);
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems)
      out.push(`${path}: ${v.length} items > ${s.maxItems}`);
    if (s.items) v.forEach((item, i) => validate(item, s.items!, `${path}[${i}]`, out));
  }
  if (t === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined);
    if (s.maxProperties !== undefined && keys.length > s.maxProperties)
      out.push(`${path}: ${keys.length} properties > ${s.maxProperties}`);
    for (const r of s.required ?? []) if (o[r] === undefined) out.push(`${path}.${r}: required`);
    if (s['x-kubernetes-preserve-unknown-fields'] && !s.properties) return;
    for (const k of keys) {
      const sub = s.properties?.[k] ?? s.additionalProperties;
      if (sub) validate(o[k], sub, `${path}.${k}`, out);
      else if (s.properties && !s['x-kubernetes-preserve-unknown-fields'])
        out.push(`${path}.${k}: unknown field`);
    }
  }
}

/** What the API server would refuse in `object` of `kind`; empty when it would accept it. */
export function schemaViolations(kind: KindName, object: unknown): string[] {
  const out: string[] = [];
  const o = object as { metadata?: { name?: string; labels?: Record<string, string> } };
  const name = o.metadata?.name;
  if (name !== undefined && (name.length > 253 || !DNS_SUBDOMAIN.test(name)))
    out.push(`metadata.name: "${name}" is not a DNS subdomain of at most 253 characters`);
  for (const [k, value] of Object.entries(o.metadata?.labels ?? {}))
    if (value.length > 63 || !LABEL_VALUE.test(value))
      out.push(`metadata.labels.${k}: invalid value "${value}"`);
  const { metadata: _metadata, ...rest } = object as Record<string, unknown>;
  validate(rest, crdSchema(kind), kind, out);
  return out;
}
