// What an actor knows of the cluster: the request and its children, from the informer caches,
// merged with the answers of its own writes (which the caches may not have caught up with yet).
import type {
  AIAnalysis,
  KubernetesExecution,
  NotificationRequest,
  RemediationProcessing,
  RemediationRequest,
  WorkflowExecution,
} from '../api/index.js';
import { isNewerResourceVersion } from '../util/resource-version.js';
import type { NotificationType } from './names.js';
import { sameVerdict, type Routing } from './routing.js';

export interface Observed {
  rr: RemediationRequest;
  processing?: RemediationProcessing;
  analysis?: AIAnalysis;
  workflow?: WorkflowExecution;
  /** By step name. */
  executions: Record<string, KubernetesExecution>;
  notifications: Partial<Record<NotificationType, NotificationRequest>>;
  /** The storm-protection verdict for the request's gate, as of this view (routing.ts). */
  routing?: Routing;
}

export type ChildObject =
  RemediationProcessing | AIAnalysis | WorkflowExecution | KubernetesExecution | NotificationRequest;

interface Versioned {
  metadata?: { resourceVersion?: string };
}

/** True when `a` is newer than `b`, by their resourceVersions (src/util/resource-version.ts). */
export function isNewer(a: Versioned | undefined, b: Versioned | undefined): boolean {
  return isNewerResourceVersion(a?.metadata?.resourceVersion, b?.metadata?.resourceVersion);
}

function newest<T extends Versioned>(
  cached: T | undefined,
  known: T | undefined,
  deleted: boolean,
): T | undefined {
  if (deleted) return cached && known && isNewer(cached, known) ? cached : undefined;
  if (!cached) return known;
  if (!known) return cached;
  return isNewer(known, cached) ? known : cached;
}

function mergeRecord<T extends Versioned>(
  cached: Record<string, T>,
  known: Record<string, T>,
  deleted: ReadonlySet<string>,
  nameOf: (o: T) => string,
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of new Set([...Object.keys(cached), ...Object.keys(known)])) {
    const value = newest(cached[key], known[key], deleted.has(nameOf((cached[key] ?? known[key])!)));
    if (value) out[key] = value;
  }
  return out;
}

const nameOf = (o: Versioned & { metadata?: { name?: string } }): string => o.metadata?.name ?? '';

/**
 * Merges a fresh cache snapshot into what the actor already knows: per object the newer version
 * wins, and an object the cache lacks is kept unless a delete event said it is gone.
 */
export function mergeObserved(
  known: Observed | undefined,
  cached: Observed,
  deletedNames: ReadonlySet<string>,
): Observed {
  if (!known) return cached;
  const routing = cached.routing;
  const del = (o: Versioned | undefined): boolean => o !== undefined && deletedNames.has(nameOf(o));
  return {
    rr: newest(cached.rr, known.rr, false)!,
    processing: newest(cached.processing, known.processing, del(cached.processing ?? known.processing)),
    analysis: newest(cached.analysis, known.analysis, del(cached.analysis ?? known.analysis)),
    workflow: newest(cached.workflow, known.workflow, del(cached.workflow ?? known.workflow)),
    executions: mergeRecord(cached.executions, known.executions, deletedNames, nameOf),
    notifications: mergeRecord(
      cached.notifications as Record<string, NotificationRequest>,
      known.notifications as Record<string, NotificationRequest>,
      deletedNames,
      nameOf,
    ),
    routing,
  };
}

/**
 * True when merging `cached` into `known` would bring nothing new: every object in it is one the
 * actor already has, at the same or an older version. Most such views are the echoes of the actor's
 * own writes, whose answers it already merged.
 */
export function addsNothing(known: Observed, cached: Observed): boolean {
  const stale = (c: Versioned | undefined, k: Versioned | undefined): boolean =>
    c === undefined || (k !== undefined && !isNewer(c, k));
  const staleRecord = <T extends Versioned>(
    c: Partial<Record<string, T>>,
    k: Partial<Record<string, T>>,
  ): boolean => Object.keys(c).every((key) => stale(c[key], k[key]));
  return (
    sameVerdict(cached.routing?.verdict, known.routing?.verdict) &&
    cached.routing?.duplicates === known.routing?.duplicates &&
    stale(cached.rr, known.rr) &&
    stale(cached.processing, known.processing) &&
    stale(cached.analysis, known.analysis) &&
    stale(cached.workflow, known.workflow) &&
    staleRecord(cached.executions, known.executions) &&
    staleRecord(cached.notifications, known.notifications)
  );
}

/** Adds one object that a write returned. */
export function withWritten(observed: Observed, object: ChildObject | RemediationRequest): Observed {
  switch (object.kind) {
    case 'RemediationRequest':
      return isNewer(object, observed.rr) ? { ...observed, rr: object as RemediationRequest } : observed;
    case 'RemediationProcessing':
      return { ...observed, processing: newest(observed.processing, object as RemediationProcessing, false) };
    case 'AIAnalysis':
      return { ...observed, analysis: newest(observed.analysis, object as AIAnalysis, false) };
    case 'WorkflowExecution':
      return { ...observed, workflow: newest(observed.workflow, object as WorkflowExecution, false) };
    case 'KubernetesExecution': {
      const ke = object as KubernetesExecution;
      const step = ke.spec.step.name;
      return {
        ...observed,
        executions: { ...observed.executions, [step]: newest(observed.executions[step], ke, false)! },
      };
    }
    case 'NotificationRequest': {
      const nr = object as NotificationRequest;
      return {
        ...observed,
        notifications: {
          ...observed.notifications,
          [nr.spec.type]: newest(observed.notifications[nr.spec.type], nr, false),
        },
      };
    }
    default:
      return observed;
  }
}
