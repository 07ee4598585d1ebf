// What the actor must write next, computed from its context alone (pure): "writes are data first".
// Order within a request: first sight adds the finalizer; children are created before the status
// that records them; events follow the status write.
import {
  CANCEL_ANNOTATION,
  FINALIZER,
  type ChildKindName,
  type RemediationRequest,
  type RequestReason,
} from '../api/index.js';
import {
  analysisFor,
  executionFor,
  notificationFor,
  processingFor,
  workflowFor,
  type ChildCreate,
} from './children.js';
import { childNames } from './names.js';
import type { NotificationType } from './names.js';
import type { FailedNotifications, NotificationFailure } from './notification-failures.js';
import {
  approvalNotification,
  escalationNotification,
  stormNotification,
  successNotification,
} from './notifications.js';
import type { ChildObject, Observed } from './observed.js';
import { isTerminal, type Phase } from './phases.js';
import { readySteps } from './plan.js';
import {
  desiredStatus,
  planSteps,
  sameJson,
  stepPhases,
  type Ledger,
  type Settings,
  type Status,
} from './status.js';

export interface KubeEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** What an operator should see in `kubectl describe`: a wait for a person, an outcome, a warning. */
  notable: boolean;
}

/** Which Events reach the API server: every phase transition, only the notable ones, or none. */
export type EventPolicy = 'transitions' | 'outcomes' | 'none';
export const EVENT_POLICIES: readonly EventPolicy[] = ['transitions', 'outcomes', 'none'];

export function eventsToRecord(events: readonly KubeEvent[], policy: EventPolicy): KubeEvent[] {
  if (policy === 'none') return [];
  return policy === 'transitions' ? [...events] : events.filter((e) => e.notable);
}

export interface ChildRef {
  kind: ChildKindName;
  name: string;
}

export interface RequestRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface EffectBatch {
  request: RequestRef;
  /** The request's finalizers and resourceVersion as observed, so a finalizer patch needs no read. */
  observedMeta: { finalizers: string[]; resourceVersion?: string };
  addFinalizer?: boolean;
  removeFinalizer?: boolean;
  creates: ChildCreate[];
  /** Children that seem gone: read them once before concluding they were deleted. */
  verify: ChildRef[];
  cancels: ChildRef[];
  status?: { status: Status; resourceVersion?: string };
  events: KubeEvent[];
}

/** Why a write can never succeed: a child's name is taken, or the API server refuses the child. */
export interface Fault {
  reason: Extract<RequestReason, 'ChildConflict' | 'ChildRejected'>;
  message: string;
}

export interface EffectResult {
  /** Every object a write or a read returned. */
  objects: (ChildObject | RemediationRequest)[];
  /** Children read in `verify` that the API server does not have. */
  absent: string[];
  /** The status that was written, if any. */
  writtenStatus?: Status;
  eventsSent: number;
  /** A write that can never succeed: the request fails with this reason. */
  terminal?: Fault;
  /** Children whose creation can never succeed: not attempted again. */
  abandoned?: string[];
  /** Notifications that could not be created: they never fail the request (notification-failures.ts). */
  notificationFailures?: NotificationFailure[];
}

export interface EffectContext {
  settings: Settings;
  now: number;
  observed: Observed;
  ledger: Ledger;
  outbox: KubeEvent[];
  confirmedAbsent: readonly string[];
  abandoned: readonly string[];
  /** Notifications that could not be created, by type, until they are. */
  failedNotifications: FailedNotifications;
  /** A notification failed for a while: none is tried again until the backoff has passed. */
  notificationsHeld: boolean;
  /** Our last status write: what, on which resourceVersion, and when (context time). */
  lastWritten?: { status: Status; resourceVersion?: string; at: number };
  releasing: boolean;
}

export function requestRef(rr: RemediationRequest): RequestRef {
  return {
    namespace: rr.metadata?.namespace ?? '',
    name: rr.metadata?.name ?? '',
    uid: rr.metadata?.uid ?? '',
  };
}

export const hasFinalizer = (rr: RemediationRequest): boolean =>
  rr.metadata?.finalizers?.includes(FINALIZER) ?? false;
export const cancelAnnotated = (rr: RemediationRequest): boolean =>
  rr.metadata?.annotations?.[CANCEL_ANNOTATION] === 'true';

const sent = (ctx: EffectContext, type: NotificationType): boolean =>
  ctx.observed.notifications[type] !== undefined ||
  (ctx.observed.rr.status?.notificationRefs ?? []).some((r) => r.type === type) ||
  (type === 'approval' && ctx.observed.rr.status?.approvalNotificationSent === true);

/** The children the current phase needs and that neither the caches nor the status know of. */
export function missingChildren(ctx: EffectContext): ChildCreate[] {
  const { observed, ledger } = ctx;
  const rr = observed.rr;
  const recorded = rr.status ?? {};
  switch (ledger.phase) {
    case 'Initializing':
    case 'Processing':
      return observed.processing || recorded.remediationProcessingRef ? [] : [processingFor(rr)];
    case 'Analyzing':
      return observed.analysis || recorded.aiAnalysisRef ? [] : [analysisFor(rr, observed.processing)];
    case 'AwaitingApproval':
      return sent(ctx, 'approval') ? [] : [notificationFor(rr, approvalNotification(ctx))];
    case 'WorkflowPlanning':
      return observed.workflow || recorded.workflowExecutionRef ? [] : [workflowFor(rr, observed.analysis)];
    case 'Executing':
      // A step whose execution was deleted before status recorded it has run, or may have: it is
      // never created again (missingRecordedChildren reports it, and the request fails ChildDeleted).
      return readySteps(planSteps(observed), stepPhases(observed))
        .map((step) => executionFor(rr, observed.workflow, step))
        .filter((create) => !ctx.confirmedAbsent.includes(create.name));
    case 'Completed':
      return sent(ctx, 'success') || ledger.reason === 'NoActionRequired'
        ? []
        : [notificationFor(rr, successNotification(ctx))];
    case 'Failed':
    case 'TimedOut':
      return sent(ctx, 'escalation') ? [] : [notificationFor(rr, escalationNotification(ctx))];
    case 'Blocked': {
      // One escalation per ConsecutiveFailures block and one notification per storm, each sent by
      // the one request the verdict names; every other Blocked request sends nothing.
      const v = observed.routing?.verdict;
      if (!v || !('block' in v) || v.block !== ledger.blockedReason) return [];
      if (v.escalate && !sent(ctx, 'escalation')) return [notificationFor(rr, escalationNotification(ctx))];
      if (v.announce && !sent(ctx, 'storm')) return [notificationFor(rr, stormNotification(ctx, v.announce))];
      return [];
    }
    case 'Skipped':
      return ledger.reason === 'BlockedTooLong' && !sent(ctx, 'escalation')
        ? [notificationFor(rr, escalationNotification(ctx))]
        : [];
    default:
      return [];
  }
}

const FINISHED: Record<string, ReadonlySet<string>> = {
  RemediationProcessing: new Set(['Completed', 'Failed']),
  AIAnalysis: new Set(['Ready', 'Rejected', 'Failed']),
  WorkflowExecution: new Set(['Planned', 'Failed']),
  KubernetesExecution: new Set(['Completed', 'Failed']),
};

/** Working children still busy after the request ended: they are told to stop. */
export function childrenToCancel(observed: Observed): ChildRef[] {
  const candidates: [ChildKindName, ChildObject | undefined][] = [
    ['RemediationProcessing', observed.processing],
    ['AIAnalysis', observed.analysis],
    ['WorkflowExecution', observed.workflow],
    ...Object.values(observed.executions).map((ke): [ChildKindName, ChildObject] => [
      'KubernetesExecution',
      ke,
    ]),
  ];
  return candidates.flatMap(([kind, o]) => {
    if (!o?.metadata?.name) return [];
    const spec = o.spec as { cancelRequested?: boolean };
    const phase = (o.status as { phase?: string } | undefined)?.phase ?? '';
    return spec.cancelRequested || FINISHED[kind]?.has(phase) ? [] : [{ kind, name: o.metadata.name }];
  });
}

/**
 * Recorded children of the current phase that the caches no longer have; and steps whose execution
 * a delete event named (`deleted`) before status recorded them.
 */
export function missingRecordedChildren(
  observed: Observed,
  phase: Phase | undefined,
  deleted: readonly string[] = [],
): ChildRef[] {
  const recorded = observed.rr.status ?? {};
  const out: ChildRef[] = [];
  const check = (kind: ChildKindName, ref: { name: string } | undefined, seen: unknown): void => {
    if (ref?.name && !seen) out.push({ kind, name: ref.name });
  };
  switch (phase) {
    case 'Processing':
      check('RemediationProcessing', recorded.remediationProcessingRef, observed.processing);
      break;
    case 'Analyzing':
    case 'AwaitingApproval':
      check('AIAnalysis', recorded.aiAnalysisRef, observed.analysis);
      break;
    case 'WorkflowPlanning':
      check('WorkflowExecution', recorded.workflowExecutionRef, observed.workflow);
      break;
    case 'Executing':
      check('WorkflowExecution', recorded.workflowExecutionRef, observed.workflow);
      for (const ref of recorded.kubernetesExecutionRefs ?? []) {
        if (ref.phase !== 'Completed' && ref.phase !== 'Failed')
          check('KubernetesExecution', ref, observed.executions[ref.step]);
      }
      for (const step of planSteps(observed)) {
        const name = childNames.execution(observed.rr.metadata?.name ?? '', step.name);
        const isRecorded = (recorded.kubernetesExecutionRefs ?? []).some((r) => r.step === step.name);
        if (!isRecorded && deleted.includes(name) && !observed.executions[step.name])
          out.push({ kind: 'KubernetesExecution', name });
      }
      break;
    default:
      break;
  }
  return out;
}

/**
 * A step going from Pending to Running is shown in status, but is not worth a write of its own (one
 * per step): it rides along with the next write that matters (a step created, completed or failed).
 */
function worthWriting(desired: Status, recorded: Status): boolean {
  const quiet = (s: Status): Status => ({
    ...s,
    kubernetesExecutionRefs: s.kubernetesExecutionRefs?.map((r) =>
      r.phase === 'Running' ? { ...r, phase: 'Pending' } : r,
    ),
  });
  return !sameJson(quiet(desired), quiet(recorded));
}

/** Executing goes on and only step progress changed (steps done, steps created): it can wait a little. */
function progressOnly(desired: Status, recorded: Status): boolean {
  if (desired.phase !== 'Executing' || recorded.phase !== 'Executing') return false;
  // A step created is recorded at once: were its execution deleted, or the orchestrator restarted,
  // before status knew of it, nothing else would say the step had started.
  const known = new Set((recorded.kubernetesExecutionRefs ?? []).map((r) => r.step));
  if ((desired.kubernetesExecutionRefs ?? []).some((r) => !known.has(r.step))) return false;
  const rest = ({
    kubernetesExecutionRefs: _refs,
    stepsCompleted: _done,
    overallProgress: _progress,
    ...other
  }: Status): Status => other;
  return sameJson(rest(desired), rest(recorded));
}

/**
 * While Executing, step progress alone is written at most once per `progressIntervalMs` after our
 * last status write, so steps that finish close together share one write. This is when it falls due.
 */
export function progressDueAt(
  ctx: Pick<EffectContext, 'ledger' | 'lastWritten' | 'settings'>,
): number | undefined {
  if (ctx.ledger.phase !== 'Executing' || ctx.lastWritten === undefined) return undefined;
  return ctx.lastWritten.at + ctx.settings.progressIntervalMs;
}

/** The next batch of writes, or undefined when the cluster already shows what the actor decided. */
export function nextEffects(ctx: EffectContext): EffectBatch | undefined {
  const rr = ctx.observed.rr;
  const observedMeta = {
    finalizers: rr.metadata?.finalizers ?? [],
    resourceVersion: rr.metadata?.resourceVersion,
  };
  const batch: EffectBatch = {
    request: requestRef(rr),
    observedMeta,
    creates: [],
    verify: [],
    cancels: [],
    events: [],
  };
  if (ctx.releasing) {
    return hasFinalizer(rr) ? { ...batch, removeFinalizer: true } : undefined;
  }
  if (!ctx.ledger.phase) return undefined;
  const unverified = missingRecordedChildren(ctx.observed, ctx.ledger.phase, ctx.confirmedAbsent).filter(
    (c) => !ctx.confirmedAbsent.includes(c.name),
  );
  if (unverified.length) return { ...batch, verify: unverified };
  // A request holds nothing while Blocked (or once ended): it gets the finalizer only to work, and
  // no working child is created before it has it.
  const needsFinalizer = !hasFinalizer(rr) && !isTerminal(ctx.ledger.phase) && ctx.ledger.phase !== 'Blocked';
  const missing = needsFinalizer ? [] : missingChildren(ctx).filter((c) => !ctx.abandoned.includes(c.name));
  batch.creates = missing.filter((c) => !(ctx.notificationsHeld && c.kind === 'NotificationRequest'));
  if (batch.creates.length) return batch;
  if (isTerminal(ctx.ledger.phase)) batch.cancels = childrenToCancel(ctx.observed);
  if (needsFinalizer) batch.addFinalizer = true;
  const wanted = missing.flatMap((c) =>
    c.kind === 'NotificationRequest' ? [(c.body.spec as { type: NotificationType }).type] : [],
  );
  const notices = { failed: ctx.failedNotifications, wanted };
  const status = desiredStatus(ctx.ledger, ctx.observed, ctx.settings, ctx.now, notices);
  const unchangedSinceOurWrite =
    ctx.lastWritten !== undefined &&
    ctx.lastWritten.resourceVersion === rr.metadata?.resourceVersion &&
    sameJson(ctx.lastWritten.status, status);
  const due = progressDueAt(ctx);
  const progressCanWait = due !== undefined && ctx.now < due && progressOnly(status, rr.status ?? {});
  if (worthWriting(status, rr.status ?? {}) && !unchangedSinceOurWrite && !progressCanWait) {
    batch.status = { status, resourceVersion: rr.metadata?.resourceVersion };
  }
  if (batch.status || (!batch.addFinalizer && !batch.cancels.length)) batch.events = ctx.outbox;
  const empty = !batch.addFinalizer && !batch.status && !batch.cancels.length && !batch.events.length;
  return empty ? undefined : batch;
}
