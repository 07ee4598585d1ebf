// The request's status as the orchestrator wants it: the ledger of its decisions (phase, times,
// history) plus what is derived from the children it observes (refs, progress, conditions). Pure.
import {
  LIMITS,
  REQUEST_REASONS,
  type RemediationRequest,
  type RemediationRequestStatus,
  type RequestCondition,
  type RequestReason,
} from '../api/index.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { fitText } from '../util/fit.js';
import { NOTIFICATION_TYPES, type NotificationType } from './names.js';
import {
  NO_FAILED_NOTIFICATIONS,
  NOTIFICATION_FAILED,
  notificationCondition,
  type FailedNotifications,
} from './notification-failures.js';
import type { Observed } from './observed.js';
import {
  PHASE_PROGRESS,
  PHASE_TIMEOUT,
  TIMEOUT_KEYS,
  isTerminal,
  type Phase,
  type Timeouts,
} from './phases.js';
import { tallySteps, type PlanStep, type StepPhase } from './plan.js';
import type { RoutingSettings } from './routing.js';

export type Status = RemediationRequestStatus;
export type HistoryEntry = NonNullable<Status['phaseHistory']>[number];
type Condition = NonNullable<Status['conditions']>[number];

export interface Settings {
  /** Controller defaults, in ms; spec.timeouts overrides them per request. */
  timeouts: Timeouts;
  retentionMs: number;
  channels: string[];
  historyLimit: number;
  /** How long step progress alone may wait for a status write (phase changes never wait). */
  progressIntervalMs: number;
  /** Storm protection's rules (routing.ts); without it no rule holds a request back. */
  routing?: RoutingSettings;
}

/** The fields the orchestrator decides at transitions; everything else in status is derived. */
export type Ledger = Pick<
  Status,
  | 'phase'
  | 'message'
  | 'startTime'
  | 'phaseStartTime'
  | 'completionTime'
  | 'retentionExpiryTime'
  | 'success'
  | 'timeoutPhase'
  | 'approval'
  | 'blockedReason'
  | 'blockedUntil'
  | 'duplicateOf'
> & {
  reason?: RequestReason;
  phaseHistory: HistoryEntry[];
};

/** Only the orchestrator writes status.reason, and only reasons of API.md. */
const isRequestReason = (reason: string | undefined): reason is RequestReason =>
  reason !== undefined && Object.hasOwn(REQUEST_REASONS, reason);

/** RFC 3339 with milliseconds: deadlines are computed from these, so whole seconds would fire early. */
const iso = (ms: number): string => new Date(ms).toISOString();

export function ledgerFrom(status: Status | undefined): Ledger {
  const s = status ?? {};
  return {
    phase: s.phase,
    reason: isRequestReason(s.reason) ? s.reason : undefined,
    message: s.message,
    startTime: s.startTime,
    phaseStartTime: s.phaseStartTime,
    completionTime: s.completionTime,
    retentionExpiryTime: s.retentionExpiryTime,
    success: s.success,
    timeoutPhase: s.timeoutPhase,
    approval: s.approval,
    blockedReason: s.blockedReason,
    blockedUntil: s.blockedUntil,
    duplicateOf: s.duplicateOf,
    phaseHistory: s.phaseHistory ?? [],
  };
}

/** Effective timeouts in ms: spec.timeouts where given and valid, else the controller defaults. */
export function effectiveTimeouts(rr: RemediationRequest, defaults: Timeouts): Timeouts {
  const out = { ...defaults };
  const overrides = rr.spec.timeouts ?? {};
  for (const key of TIMEOUT_KEYS) {
    const text = overrides[key];
    if (!text) continue;
    try {
      const ms = parseDuration(text);
      if (ms > 0) out[key] = ms;
    } catch {
      // The CRD rejects malformed durations; an object from before that rule keeps the default.
    }
  }
  return out;
}

export interface Transition {
  phase: Phase;
  reason?: RequestReason;
  message?: string;
  timeoutPhase?: string;
  /** Entering Blocked: the cooldown's end (ms) and the request waited on. */
  blockedUntil?: number;
  duplicateOf?: { name: string; uid: string };
  /** Ending Skipped: the success it takes over (the original's), else false. */
  success?: boolean;
}

/** Records entering `t.phase` at `now`: history (bounded), phase times, terminal fields. */
export function enterPhase(ledger: Ledger, t: Transition, now: number, settings: Settings): Ledger {
  const at = iso(now);
  const history = ledger.phaseHistory.map((h, i, all) =>
    i === all.length - 1 && !h.exitedAt ? { ...h, exitedAt: at } : h,
  );
  history.push(
    t.reason ? { phase: t.phase, enteredAt: at, reason: t.reason } : { phase: t.phase, enteredAt: at },
  );
  const next: Ledger = {
    ...ledger,
    phase: t.phase,
    reason: t.reason,
    message: t.message,
    startTime: ledger.startTime ?? at,
    phaseStartTime: at,
    // The CRD keeps at most 50 entries, whatever the setting allows in memory.
    phaseHistory: history.slice(-Math.min(settings.historyLimit, LIMITS.requestPhaseHistory.max)),
  };
  if (t.phase === 'Blocked') {
    next.blockedReason = t.reason as Ledger['blockedReason'];
    next.blockedUntil = t.blockedUntil === undefined ? undefined : iso(t.blockedUntil);
    next.duplicateOf = t.duplicateOf;
  } else if (!isTerminal(t.phase)) {
    // Leaving Blocked to work: nothing holds it any more.
    next.blockedReason = undefined;
    next.blockedUntil = undefined;
    next.duplicateOf = undefined;
  } else if (t.duplicateOf) next.duplicateOf = t.duplicateOf;
  if (isTerminal(t.phase)) {
    next.completionTime = at;
    next.retentionExpiryTime = iso(now + settings.retentionMs);
    next.success = t.phase === 'Completed' || (t.phase === 'Skipped' && t.success === true);
    next.phaseHistory = next.phaseHistory.map((h, i, all) =>
      i === all.length - 1 ? { ...h, exitedAt: at } : h,
    );
  }
  if (t.timeoutPhase) next.timeoutPhase = t.timeoutPhase;
  return next;
}

/** The phase a terminal request was in when it ended (for progress and messages). */
export function lastActivePhase(ledger: Ledger): Phase | undefined {
  for (let i = ledger.phaseHistory.length - 1; i >= 0; i--) {
    const phase = ledger.phaseHistory[i]?.phase as Phase;
    if (!isTerminal(phase)) return phase;
  }
  return undefined;
}

export function planSteps(observed: Observed): PlanStep[] {
  return observed.workflow?.status?.plan?.steps ?? [];
}

/** Each started step's phase: from its KubernetesExecution, else as recorded in status. */
export function stepPhases(observed: Observed): Map<string, StepPhase> {
  const phases = new Map<string, StepPhase>();
  for (const ref of observed.rr.status?.kubernetesExecutionRefs ?? []) {
    if (ref.phase) phases.set(ref.step, ref.phase as StepPhase);
    else phases.set(ref.step, 'Pending');
  }
  for (const [step, ke] of Object.entries(observed.executions))
    phases.set(step, ke.status?.phase ?? 'Pending');
  return phases;
}

function ref(
  o: { metadata?: { name?: string; namespace?: string; uid?: string } } | undefined,
  recorded: { name: string; namespace: string; uid?: string } | undefined,
) {
  if (o?.metadata?.name)
    return { name: o.metadata.name, namespace: o.metadata.namespace ?? '', uid: o.metadata.uid ?? '' };
  return recorded;
}

function conditionsOf(ledger: Ledger, observed: Observed, now: number, notices: Notices): Condition[] {
  const previous = new Map((observed.rr.status?.conditions ?? []).map((c) => [c.type, c]));
  const reached = new Set(ledger.phaseHistory.map((h) => h.phase));
  const ended = isTerminal(ledger.phase) ? lastActivePhase(ledger) : undefined;
  const out: Condition[] = [];
  const set = (
    type: RequestCondition,
    status: 'True' | 'False' | 'Unknown',
    reason: string,
    message: string,
  ): void => {
    const prev = previous.get(type);
    const lastTransitionTime = prev && prev.status === status ? prev.lastTransitionTime : iso(now);
    out.push({
      type,
      status,
      reason,
      message: fitText(message, LIMITS.conditionMessage),
      lastTransitionTime,
      observedGeneration: observed.rr.metadata?.generation,
    });
  };
  const failedIn = (phase: Phase): boolean => ended === phase && ledger.phase !== 'Completed';
  const reason = ledger.reason ?? 'Unknown';
  const message = ledger.message ?? '';
  if (reached.has('Analyzing') || failedIn('Processing')) {
    set(
      'ProcessingComplete',
      reached.has('Analyzing') ? 'True' : 'False',
      reached.has('Analyzing') ? 'Enriched' : reason,
      reached.has('Analyzing') ? 'The alert was enriched.' : message,
    );
  }
  const analysed = reached.has('WorkflowPlanning') || ledger.reason === 'NoActionRequired';
  if (analysed || failedIn('Analyzing') || failedIn('AwaitingApproval')) {
    set(
      'AnalysisComplete',
      analysed ? 'True' : 'False',
      analysed ? 'Analyzed' : reason,
      analysed ? 'The analysis recommended actions.' : message,
    );
  }
  if (reached.has('AwaitingApproval') || ledger.approval?.decision) {
    const decision = ledger.approval?.decision;
    if (decision === 'Approved' || reached.has('WorkflowPlanning'))
      set('Approved', 'True', 'Approved', `Approved by ${ledger.approval?.decidedBy ?? 'an approver'}.`);
    else if (decision === 'Rejected' || ledger.reason === 'ApprovalRejected')
      set('Approved', 'False', 'Rejected', message || 'The recommended actions were rejected.');
    else
      set(
        'Approved',
        'Unknown',
        'AwaitingApproval',
        'Waiting for a person to approve the recommended actions.',
      );
  }
  if (reached.has('Executing') || ledger.reason === 'NoActionRequired' || failedIn('WorkflowPlanning')) {
    const planned = reached.has('Executing') || ledger.reason === 'NoActionRequired';
    set(
      'WorkflowPlanned',
      planned ? 'True' : 'False',
      planned ? 'Planned' : reason,
      planned ? 'The workflow was planned.' : message,
    );
  }
  if (ledger.phase === 'Completed' || failedIn('Executing')) {
    set(
      'ExecutionComplete',
      ledger.phase === 'Completed' ? 'True' : 'False',
      ledger.phase === 'Completed' ? 'StepsCompleted' : reason,
      ledger.phase === 'Completed' ? 'Every step completed.' : message,
    );
  }
  if (
    observed.notifications.escalation ||
    observed.rr.status?.notificationRefs?.some((n) => n.type === 'escalation')
  ) {
    set('Escalated', 'True', 'EscalationSent', 'An escalation notification was created.');
  }
  const notice = notificationCondition(
    notices.failed,
    observed,
    previous.has(NOTIFICATION_FAILED),
    notices.wanted,
  );
  if (notice) set(NOTIFICATION_FAILED, notice.status, notice.reason, notice.message);
  if (ledger.phase === 'Completed')
    set('Ready', 'True', ledger.reason ?? 'Succeeded', message || 'The remediation completed.');
  else if (isTerminal(ledger.phase)) set('Ready', 'False', reason, message);
  else set('Ready', 'False', 'InProgress', `The remediation is in phase ${ledger.phase ?? 'Pending'}.`);
  return out;
}

/** The notifications that failed, and those the request still means to create (effects.ts). */
export interface Notices {
  failed: FailedNotifications;
  wanted: readonly NotificationType[];
}
const NO_NOTICES: Notices = { failed: NO_FAILED_NOTIFICATIONS, wanted: [] };

/** The complete status the orchestrator wants the request to show. */
export function desiredStatus(
  ledger: Ledger,
  observed: Observed,
  settings: Settings,
  now: number,
  notices: Notices = NO_NOTICES,
): Status {
  const recorded = observed.rr.status ?? {};
  const timeouts = effectiveTimeouts(observed.rr, settings.timeouts);
  const steps = planSteps(observed);
  const phases = stepPhases(observed);
  const tally = tallySteps(steps, phases);
  const executionRefs = [...phases.keys()].map((step) => {
    const ke = observed.executions[step];
    const old = recorded.kubernetesExecutionRefs?.find((r) => r.step === step);
    const base = ref(ke, old) ?? { name: '', namespace: '' };
    return { step, ...base, phase: phases.get(step) };
  });
  const notificationRefs = NOTIFICATION_TYPES.flatMap((type) => {
    const nr = observed.notifications[type];
    const old = recorded.notificationRefs?.find((r) => r.type === type);
    const r = ref(nr, old);
    return r ? [{ type, ...r }] : [];
  });
  const active = isTerminal(ledger.phase) ? lastActivePhase(ledger) : ledger.phase;
  let progress = PHASE_PROGRESS[active ?? 'Pending'];
  if (active === 'Executing' && tally.total > 0) progress += Math.floor((45 * tally.completed) / tally.total);
  if (ledger.phase === 'Completed') progress = 100;

  const status: Status = {
    phase: ledger.phase,
    reason: ledger.reason,
    message: ledger.message,
    observedGeneration: observed.rr.metadata?.generation,
    startTime: ledger.startTime,
    phaseStartTime: ledger.phaseStartTime,
    completionTime: ledger.completionTime,
    retentionExpiryTime: ledger.retentionExpiryTime,
    success: ledger.success,
    timeoutPhase: ledger.timeoutPhase,
    effectiveTimeouts: Object.fromEntries(Object.entries(timeouts).map(([k, v]) => [k, formatDuration(v)])),
    remediationProcessingRef: ref(observed.processing, recorded.remediationProcessingRef),
    aiAnalysisRef: ref(observed.analysis, recorded.aiAnalysisRef),
    workflowExecutionRef: ref(observed.workflow, recorded.workflowExecutionRef),
    kubernetesExecutionRefs: executionRefs.length ? executionRefs : undefined,
    notificationRefs: notificationRefs.length ? notificationRefs : undefined,
    approvalNotificationSent:
      recorded.approvalNotificationSent || observed.notifications.approval !== undefined || undefined,
    approval: ledger.approval,
    blockedReason: ledger.blockedReason,
    blockedUntil: ledger.blockedUntil,
    duplicateOf: ledger.duplicateOf,
    duplicates: observed.routing?.duplicates || recorded.duplicates || undefined,
    overallProgress: progress,
    stepsTotal: tally.total,
    stepsCompleted: tally.completed,
    stepsFailed: tally.failed,
    phaseHistory: ledger.phaseHistory,
    conditions: conditionsOf(ledger, observed, now, notices),
  };
  return prune(status);
}

/** Drops undefined fields so that a status compares equal to its JSON round trip. */
function prune<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Deep equality of JSON values, ignoring key order and undefined fields. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
    );
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return (
      ka.length === kb.length &&
      ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return false;
}

export interface Deadline {
  at: number;
  kind: 'phase' | 'global';
  phase: Phase;
  limitMs: number;
}

/** The earliest deadline of an active request, from the timestamps in its status. */
export function nextDeadline(
  ledger: Ledger,
  rr: RemediationRequest,
  settings: Settings,
): Deadline | undefined {
  // Time Blocked counts against no timeout: while Blocked there is no deadline but BlockedTooLong's.
  if (!ledger.phase || isTerminal(ledger.phase) || ledger.phase === 'Blocked') return undefined;
  const timeouts = effectiveTimeouts(rr, settings.timeouts);
  const candidates: Deadline[] = [];
  const key = PHASE_TIMEOUT[ledger.phase];
  if (key && ledger.phaseStartTime)
    candidates.push({
      at: Date.parse(ledger.phaseStartTime) + timeouts[key],
      kind: 'phase',
      phase: ledger.phase,
      limitMs: timeouts[key],
    });
  if (ledger.startTime)
    candidates.push({
      at: Date.parse(ledger.startTime) + timeouts.global + timeBlocked(ledger),
      kind: 'global',
      phase: ledger.phase,
      limitMs: timeouts.global,
    });
  return candidates.sort((a, b) => a.at - b.at)[0];
}

/** How long the request has spent Blocked, from its phase history (the global deadline moves by it). */
export function timeBlocked(ledger: Ledger): number {
  let total = 0;
  for (const h of ledger.phaseHistory)
    if (h.phase === 'Blocked' && h.exitedAt) total += Date.parse(h.exitedAt) - Date.parse(h.enteredAt);
  return total;
}

/** When a Blocked request has been Blocked too long (BlockedTooLong), if that rule is on. */
export function blockedTooLongAt(ledger: Ledger, settings: Settings): number | undefined {
  const max = settings.routing?.maxBlockedMs ?? 0;
  if (ledger.phase !== 'Blocked' || max <= 0 || !ledger.phaseStartTime) return undefined;
  return Date.parse(ledger.phaseStartTime) + max;
}
