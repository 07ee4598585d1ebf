// What the informer caches keep of each object: only what the orchestrator reads, never
// metadata.managedFields. Memory: with 10,000 requests in flight the caches hold ~80,000 objects;
// as the API server sends them, 40% is managedFields and every child carries a copy of the
// request's targeting data that the orchestrator never reads back. Whole, they take 55.8 KB of heap
// per request; projected, 10.2 KB (benchmarks/cache-memory.ts): child statuses keep only what is
// read, repeated strings are shared (a bounded intern table for enum-like fields, and within each
// object), and every projection is a compact copy as JSON.parse builds it (exact-size objects
// sharing V8 hidden classes).
// A new read of a field of a cached object (src/actors, src/supervisor, src/cluster) must be added here,
// or it reads undefined; test/unit/projection.test.ts checks that every field read survives.
// Pure: the input is not changed; the result is a fresh copy, sharing nothing with it.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import {
  CANCEL_ANNOTATION,
  type KindName,
  type AIAnalysis,
  type KubernetesExecution,
  type NotificationRequest,
  type RemediationProcessing,
  type RemediationRequest,
  type WorkflowExecution,
} from '../api/index.js';

/**
 * String values that repeat across objects get one shared copy: V8's JSON.parse shares property
 * names but not values, so the same namespace, kind or phase in 80,000 objects is 80,000 strings.
 * Only values of the fields below whose values come from small sets (kinds, API versions,
 * namespaces, phases, reasons, types, condition statuses, step names and actions, finalizers),
 * and at most 64 characters long. Bounded: the table is emptied when it reaches INTERN_LIMIT values
 * (values already shared stay shared; the frequent ones come back at once), so a stream of unique
 * values can cost at most ~INTERN_LIMIT × 64 characters, never grow with the objects cached.
 * Not interned: names, uids, resourceVersions, timestamps and messages (mostly unique per object).
 */
const INTERNED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'phase',
  'reason',
  'type',
  'status',
  'decision',
  'action',
  'step',
  'dependsOn',
  'timeout',
  'finalizers',
  'environment',
  'severity',
  'alertName',
]);
export const INTERN_LIMIT = 10_000;
const INTERN_MAX_LENGTH = 64;
const interned = new Map<string, string>();

export function intern(value: string): string {
  if (value.length > INTERN_MAX_LENGTH) return value;
  const known = interned.get(value);
  if (known !== undefined) return known;
  if (interned.size >= INTERN_LIMIT) interned.clear();
  interned.set(value, value);
  return value;
}

/** How many values the intern table holds (for tests). */
export const internedCount = (): number => interned.size;

/** `value` interned if it is a value of INTERNED_FIELDS, else the copy of it seen first in the same object. */
function shareString(value: string, field: string, local: Map<string, string>): string {
  if (INTERNED_FIELDS.has(field)) return intern(value);
  if (value.length > INTERN_MAX_LENGTH) return value;
  const known = local.get(value);
  if (known !== undefined) return known;
  local.set(value, value);
  return value;
}

/** `keys` of `o` that are defined, so that projecting twice gives what projecting once gave. */
function pick<T extends object, K extends keyof T>(o: T | undefined, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  if (!o) return out;
  for (const key of keys) if (o[key] !== undefined) out[key] = o[key];
  return out;
}

/** Identity, the resourceVersion precondition, ownership, deletion and the cancel annotation. */
const METADATA_KEPT = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'deletionTimestamp',
  'finalizers',
  'ownerReferences',
] as const;

/** A request's arrival orders it for storm protection (src/actors/routing.ts); children need none. */
const REQUEST_METADATA_KEPT = [...METADATA_KEPT, 'creationTimestamp'] as const;

export function projectMetadata(
  metadata: V1ObjectMeta | undefined,
  kept: readonly (keyof V1ObjectMeta)[] = METADATA_KEPT,
): V1ObjectMeta | undefined {
  if (!metadata) return undefined;
  const out: V1ObjectMeta = pick(metadata, kept);
  const cancel = metadata.annotations?.[CANCEL_ANNOTATION];
  if (cancel !== undefined) out.annotations = { [CANCEL_ANNOTATION]: cancel };
  return out;
}

interface Envelope {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  spec?: object;
  status?: object;
}

function envelope(
  o: Envelope,
  spec: object | undefined,
  status: object | undefined = o.status,
  kept: readonly (keyof V1ObjectMeta)[] = METADATA_KEPT,
): Envelope {
  const out: Envelope = pick(o, ['apiVersion', 'kind']);
  const metadata = projectMetadata(o.metadata, kept);
  if (metadata) out.metadata = metadata;
  if (spec !== undefined) out.spec = spec;
  if (status !== undefined) out.status = status;
  return compact(out);
}

/**
 * A copy of `o` as JSON.parse builds it: objects exactly as big as their properties, sharing hidden
 * classes (an object built key by key from `{}` has 4 in-object slots, wasted or with a property
 * array with slack beyond them), then its strings shared (shareString). ~12 µs per object, about a
 * JSON.parse of the object as sent (the projection without it: ~1 µs). A JSON.parse reviver did the
 * same at ~30 µs.
 */
function compact<T extends object>(o: T): T {
  const copy = JSON.parse(JSON.stringify(o)) as T;
  shareIn(copy, new Map());
  return copy;
}

/** Replaces, in place, the strings of `o` (a fresh copy) by their shared copies (shareString). */
function shareIn(o: object, local: Map<string, string>): void {
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const v: unknown = o[i];
      if (typeof v === 'string') o[i] = shareString(v, '', local);
      else if (v !== null && typeof v === 'object') shareIn(v, local);
    }
    return;
  }
  const record = o as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    if (typeof v === 'string') record[key] = shareString(v, key, local);
    else if (Array.isArray(v) && INTERNED_FIELDS.has(key)) {
      for (let i = 0; i < v.length; i++) if (typeof v[i] === 'string') v[i] = intern(v[i] as string);
    } else if (v !== null && typeof v === 'object') shareIn(v, local);
  }
}

/**
 * What a child's status keeps: its phase, and why, when the orchestrator shows why: a failed
 * processing, workflow or step's message or reason; an analysis's always (a rejected approval's
 * message is shown whatever its phase); a notification's never (only its phase is read).
 */
type Why = 'always' | 'failed' | 'never';
function childStatus<S extends { phase?: string }>(
  status: S | undefined,
  why: Why,
  more: readonly (keyof S)[] = [],
): S | undefined {
  if (status === undefined) return undefined;
  const shown = why === 'always' || (why === 'failed' && status.phase === 'Failed');
  return pick(status, [...((shown ? ['phase', 'reason', 'message'] : ['phase']) as (keyof S)[]), ...more]);
}

/**
 * The whole spec (children copy its targeting data, timeouts come from it) and the whole status
 * (the ledger is restored from it and the desired status is compared with all of it).
 */
export function projectRequest(rr: RemediationRequest): RemediationRequest {
  return envelope(rr, rr.spec, rr.status, REQUEST_METADATA_KEPT) as RemediationRequest;
}

/**
 * A child's owner (for the owner index; notifications have no ownerReference), whether it was told
 * to stop, and of its status what the orchestrator reads: phase, reason, message, and the data each
 * next child is made from (a processing's enrichedData, an analysis's recommendations, approval and
 * approvalContext, a workflow's plan steps). Dropped: timestamps, step outputs, an analysis's root
 * cause and confidence, anything else a child controller reports.
 */
type ChildSpec = { remediationRequestRef?: unknown; cancelRequested?: boolean };
const childSpec = (spec: ChildSpec | undefined): ChildSpec =>
  pick(spec, ['remediationRequestRef', 'cancelRequested']);

export function projectProcessing(rp: RemediationProcessing): RemediationProcessing {
  return envelope(
    rp,
    childSpec(rp.spec),
    childStatus(rp.status, 'failed', ['enrichedData']),
  ) as RemediationProcessing;
}

export function projectAnalysis(aia: AIAnalysis): AIAnalysis {
  const status = childStatus(aia.status, 'always', ['approval', 'approvalContext']);
  const investigation = aia.status?.investigationResult;
  if (status && investigation) status.investigationResult = pick(investigation, ['recommendations']);
  return envelope(aia, childSpec(aia.spec), status) as AIAnalysis;
}

export function projectWorkflow(we: WorkflowExecution): WorkflowExecution {
  const status = childStatus(we.status, 'failed');
  const plan = we.status?.plan;
  if (status && plan) status.plan = pick(plan, ['steps']);
  return envelope(we, childSpec(we.spec), status) as WorkflowExecution;
}

/** Executions are found by step name. */
export function projectExecution(ke: KubernetesExecution): KubernetesExecution {
  const step = ke.spec?.step;
  const spec = step ? { ...childSpec(ke.spec), step: pick(step, ['name']) } : childSpec(ke.spec);
  return envelope(ke, spec, childStatus(ke.status, 'failed')) as KubernetesExecution;
}

/** Notifications are found by type. */
export function projectNotification(nr: NotificationRequest): NotificationRequest {
  return envelope(
    nr,
    { ...childSpec(nr.spec), ...pick(nr.spec, ['type']) },
    childStatus(nr.status, 'never'),
  ) as NotificationRequest;
}

/** Each kind's projection. */
export const PROJECTIONS: Record<KindName, (o: never) => Envelope> = {
  RemediationRequest: projectRequest,
  RemediationProcessing: projectProcessing,
  AIAnalysis: projectAnalysis,
  WorkflowExecution: projectWorkflow,
  KubernetesExecution: projectExecution,
  NotificationRequest: projectNotification,
};

/** The projection of an object of any of our kinds, by its `kind`; anything else as it is. */
export function projectAny<T extends Envelope>(o: T): T {
  const project =
    o.kind !== undefined && Object.hasOwn(PROJECTIONS, o.kind) ? PROJECTIONS[o.kind as KindName] : undefined;
  return project ? (project(o as never) as T) : o;
}
