// What a transition writes besides its phase: the reason's human sentence (status.message), the
// phase that timed out, and the Kubernetes Event that announces it. The machine names a phase and,
// for an outcome, a reason of API.md; everything said about it is built here, from the context (pure),
// and fitted here to the limits of status.message and of an Event's message.
import { LIMITS, REQUEST_REASONS, type RequestReason } from '../api/index.js';
import { formatDuration } from '../util/duration.js';
import { fitText, joinFitted } from '../util/fit.js';
import { missingRecordedChildren, type EffectContext, type Fault, type KubeEvent } from './effects.js';
import { PHASE_TIMEOUT, isTerminal, type Phase } from './phases.js';
import { planProblem } from './plan.js';
import { effectiveTimeouts, planSteps, type Transition } from './status.js';
import { targetingProblem } from './validation.js';

/** What a row of the machine says: the phase entered and, for an outcome, the reason. */
export interface Outcome {
  phase: Phase;
  reason?: RequestReason;
}

/** What the sentences are built from: the context as it was before the transition. */
export type OutcomeContext = Pick<EffectContext, 'observed' | 'ledger' | 'settings'> & { fault?: Fault };

type Sentence = (c: OutcomeContext) => string | undefined;

/** A child's own message, else `fallback` with the child's reason. */
const childMessage = (
  o: { status?: { message?: string; reason?: string } } | undefined,
  fallback: string,
): string => o?.status?.message ?? (o?.status?.reason ? `${fallback} (${o.status.reason})` : fallback);

const stepCount = (c: OutcomeContext): number => planSteps(c.observed).length;

/** The limit that ran out, as a duration ("15m"). */
function limitOf(c: OutcomeContext, kind: 'phase' | 'global'): string {
  const timeouts = effectiveTimeouts(c.observed.rr, c.settings.timeouts);
  const key = kind === 'global' ? 'global' : (PHASE_TIMEOUT[c.ledger.phase ?? 'Pending'] ?? 'processing');
  return formatDuration(timeouts[key]);
}

function approvalRejected(c: OutcomeContext): string {
  const approval = c.observed.analysis?.status?.approval;
  if (approval?.decidedBy)
    return `Rejected by ${approval.decidedBy}${approval.justification ? `: ${approval.justification}` : '.'}`;
  return childMessage(c.observed.analysis, 'The recommended actions were rejected.');
}

function stepFailed(c: OutcomeContext): string {
  const failed = Object.entries(c.observed.executions).filter(([, ke]) => ke.status?.phase === 'Failed');
  const [step, ke] = failed[0] ?? ['unknown', undefined];
  return `Step ${step} failed${ke?.status?.message ? `: ${ke.status.message}` : '.'}`;
}

function childDeleted(c: OutcomeContext): string {
  const gone = missingRecordedChildren(c.observed, c.ledger.phase).map((r) => `${r.kind}/${r.name}`);
  const lead = `A child of phase ${c.ledger.phase} was deleted while it was working: `;
  return `${lead}${joinFitted(gone, LIMITS.requestMessage.max - lead.length - 1)}.`;
}

const verdictOf = (c: OutcomeContext) => c.observed.routing?.verdict;
const fingerprint = (c: OutcomeContext): string => c.observed.rr.spec.targetingData.signalFingerprint;
const waitedOn = (c: OutcomeContext): string => {
  const v = verdictOf(c);
  const d = v && 'block' in v ? v.duplicateOf : v && 'skip' in v ? v.duplicateOf : undefined;
  return d?.name ?? c.ledger.duplicateOf?.name ?? 'an earlier request';
};
const routingSettings = (c: OutcomeContext) => c.settings.routing;

function consecutiveFailures(c: OutcomeContext): string {
  const v = verdictOf(c);
  const until =
    v && 'block' in v && v.until !== undefined ? new Date(v.until).toISOString() : 'the cooldown ends';
  const n = routingSettings(c)?.consecutiveFailures ?? 0;
  return `The last ${n} remediations of fingerprint ${fingerprint(c)} failed: held back until ${until}.`;
}

function stormProtection(c: OutcomeContext): string {
  const threshold = routingSettings(c)?.stormThreshold ?? 0;
  return `An alert storm is on (more than ${threshold} requests a minute): a request of severity other than critical waits until it clears.`;
}

function deduplicated(c: OutcomeContext): string {
  const v = verdictOf(c);
  const success = v && 'skip' in v ? v.success : undefined;
  const outcome = success === true ? 'succeeded' : success === false ? 'did not succeed' : 'ended';
  return `Folded into ${waitedOn(c)}, which ${outcome}.`;
}

function blockedTooLong(c: OutcomeContext): string {
  const max = formatDuration(routingSettings(c)?.maxBlockedMs ?? 0);
  return `Blocked (${c.ledger.blockedReason ?? 'unknown'}) longer than --max-blocked=${max}.`;
}

/** The sentence of each reason: one row per reason of API.md, so a new reason needs its sentence. */
const REASON_MESSAGES: Record<RequestReason, Sentence> = {
  Succeeded: (c) => `All ${stepCount(c)} steps completed.`,
  NoActionRequired: () => 'The workflow planned no steps: nothing needs to be done.',
  ProcessingFailed: (c) => childMessage(c.observed.processing, 'The RemediationProcessing failed.'),
  AnalysisRejected: (c) => childMessage(c.observed.analysis, 'The AIAnalysis rejected the remediation.'),
  AnalysisFailed: (c) => childMessage(c.observed.analysis, 'The AIAnalysis failed.'),
  ApprovalRejected: approvalRejected,
  PlanningFailed: (c) => childMessage(c.observed.workflow, 'The WorkflowExecution failed to plan.'),
  InvalidPlan: (c) => `The workflow plan cannot run: ${planProblem(planSteps(c.observed))}.`,
  StepFailed: stepFailed,
  ChildDeleted: childDeleted,
  ChildConflict: (c) => c.fault?.message,
  ChildRejected: (c) => c.fault?.message,
  InvalidTargetingData: (c) => targetingProblem(c.observed.rr),
  PhaseTimeout: (c) => `Phase ${c.ledger.phase} exceeded its timeout of ${limitOf(c, 'phase')}.`,
  GlobalTimeout: (c) =>
    `The remediation exceeded its global timeout of ${limitOf(c, 'global')} while in phase ${c.ledger.phase}.`,
  Cancelled: () => 'Cancelled by the annotation remediation.kubernaut.ai/cancel.',
  DuplicateInProgress: (c) =>
    `Waiting on ${waitedOn(c)}, an earlier request of fingerprint ${fingerprint(c)} in progress.`,
  ResourceBusy: () => 'Waiting for another remediation of the same target to leave Executing.',
  ConsecutiveFailures: consecutiveFailures,
  ExecutionLimit: (c) =>
    `Waiting for a slot: ${routingSettings(c)?.maxExecuting ?? 0} requests are Executing, the limit.`,
  StormProtection: stormProtection,
  Deduplicated: deduplicated,
  RecentlyRemediated: (c) =>
    `${waitedOn(c)} remediated fingerprint ${fingerprint(c)} less than ${formatDuration(routingSettings(c)?.recentlyRemediatedMs ?? 0)} ago.`,
  BlockedTooLong: blockedTooLong,
};

/** The active phases that say something on entry; the others enter without a message. */
const PHASE_MESSAGES: Partial<Record<Phase, Sentence>> = {
  AwaitingApproval: () => 'The recommended actions need a person to approve them.',
  Executing: (c) => `Executing ${stepCount(c)} steps.`,
};

/** The whole transition of `outcome`, taken from the context `c` it leaves. */
export function transitionOf(c: OutcomeContext, outcome: Outcome): Transition {
  const { phase, reason } = outcome;
  const sentence = reason ? REASON_MESSAGES[reason] : PHASE_MESSAGES[phase];
  const said = sentence?.(c);
  const message = said === undefined ? undefined : fitText(said, LIMITS.requestMessage);
  if (!reason) return { phase, message };
  const timedOut = REQUEST_REASONS[reason].phase === 'TimedOut';
  const t: Transition = {
    phase,
    reason,
    message,
    timeoutPhase: timedOut ? c.ledger.phase : undefined,
  };
  const v = verdictOf(c);
  if (phase === 'Blocked' && v && 'block' in v) {
    t.blockedUntil = v.until;
    t.duplicateOf = v.duplicateOf;
  }
  if (phase === 'Skipped' && v && 'skip' in v && v.skip === reason) {
    t.duplicateOf = v.duplicateOf;
    t.success = v.success;
  }
  return t;
}

/** The Kubernetes Event that announces a transition from phase `from`. */
export function transitionEvent(from: Phase | undefined, t: Transition): KubeEvent {
  const warning = t.phase === 'Failed' || t.phase === 'TimedOut' || t.reason === 'BlockedTooLong';
  // A storm suppresses thousands of requests: each Skipped one is in its own phaseHistory, and an
  // Event for each would double the writes a suppressed request costs (2 status writes).
  const suppressed = t.phase === 'Skipped' && !warning;
  return {
    type: warning ? 'Warning' : 'Normal',
    reason: t.reason ?? `Phase${t.phase}`,
    message: fitText(
      `${from ?? 'New'} -> ${t.phase}${t.message ? `: ${t.message}` : ''}`,
      LIMITS.eventMessage,
    ),
    notable: warning || (isTerminal(t.phase) && !suppressed) || t.phase === 'AwaitingApproval',
  };
}
