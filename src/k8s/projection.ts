// What the informer caches keep of each object: only what the orchestrator reads, never
// metadata.managedFields. Memory: with 10,000 requests in flight the caches hold ~80,000 objects;
// as the API server sends them, 40% is managedFields and every child carries a copy of the
// request's targeting data that the orchestrator never reads back. Whole, they took 57 KB of heap
// per request, projected 18 KB (benchmarks/cache-memory.ts).
// A new read of a field of a cached object (src/actors, src/supervisor, src/k8s) must be added here,
// or it reads undefined; test/unit/projection.test.ts checks that every field read survives.
// Pure: the input is not changed; the result shares the kept parts with it.
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

/** `keys` of `o` that are defined, so that projecting twice gives what projecting once gave. */
function pick<T extends object, K extends keyof T>(o: T | undefined, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  if (!o) return out;
  for (const key of keys) if (o[key] !== undefined) out[key] = o[key];
  return out;
}

/** Identity, the resourceVersion precondition, ownership, deletion and the cancel annotation. */
const METADATA_KEPT = ['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'deletionTimestamp', 'finalizers', 'ownerReferences'] as const;

export function projectMetadata(metadata: V1ObjectMeta | undefined): V1ObjectMeta | undefined {
  if (!metadata) return undefined;
  const out: V1ObjectMeta = pick(metadata, METADATA_KEPT);
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

function envelope(o: Envelope, spec: object | undefined): Envelope {
  const out: Envelope = pick(o, ['apiVersion', 'kind']);
  const metadata = projectMetadata(o.metadata);
  if (metadata) out.metadata = metadata;
  if (spec !== undefined) out.spec = spec;
  if (o.status !== undefined) out.status = o.status;
  return out;
}

/**
 * The whole spec (children copy its targeting data, timeouts come from it) and the whole status
 * (the ledger is restored from it and the desired status is compared with all of it).
 */
export function projectRequest(rr: RemediationRequest): RemediationRequest {
  return envelope(rr, rr.spec) as RemediationRequest;
}

/**
 * A child's owner (for the owner index; notifications have no ownerReference), whether it was told
 * to stop, and its whole status, where each next child's data comes from.
 */
type ChildSpec = { remediationRequestRef?: unknown; cancelRequested?: boolean };
const childSpec = (spec: ChildSpec | undefined): ChildSpec => pick(spec, ['remediationRequestRef', 'cancelRequested']);

export function projectProcessing(rp: RemediationProcessing): RemediationProcessing {
  return envelope(rp, childSpec(rp.spec)) as RemediationProcessing;
}

export function projectAnalysis(aia: AIAnalysis): AIAnalysis {
  return envelope(aia, childSpec(aia.spec)) as AIAnalysis;
}

export function projectWorkflow(we: WorkflowExecution): WorkflowExecution {
  return envelope(we, childSpec(we.spec)) as WorkflowExecution;
}

/** Executions are found by step name. */
export function projectExecution(ke: KubernetesExecution): KubernetesExecution {
  const step = ke.spec?.step;
  const spec = step ? { ...childSpec(ke.spec), step: pick(step, ['name']) } : childSpec(ke.spec);
  return envelope(ke, spec) as KubernetesExecution;
}

/** Notifications are found by type. */
export function projectNotification(nr: NotificationRequest): NotificationRequest {
  return envelope(nr, { ...childSpec(nr.spec), ...pick(nr.spec, ['type']) }) as NotificationRequest;
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
  const project = o.kind !== undefined && Object.hasOwn(PROJECTIONS, o.kind) ? PROJECTIONS[o.kind as KindName] : undefined;
  return project ? (project(o as never) as T) : o;
}
