// The RemediationRequest machine (xstate v5). Two parallel regions:
//  - phase: the phases of shared/API.md as states, moved by eventless transitions whose named,
//    pure guards read the latest observed view of the request and its children; each row names the
//    phase it enters or the reason it ends with (outcomes.ts says the rest);
//  - sync:  computes the next batch of writes from the context (effects.ts) and invokes the
//    injected `applyEffects` actor, backing off after failures by the injected `retryDelay`;
//  - notify: after a notification failed, holds the next attempt back by the injected
//    `notificationRetryDelay`, while every other write goes on (notification-failures.ts).
// Only xstate and our own types are imported; the clock's "now" arrives with each event.
import { and, assign, fromPromise, not, setup } from 'xstate';
import { REQUEST_REASONS, TERMINAL_PHASES, type EndReason, type RemediationRequest } from '../api/index.js';
import {
  cancelAnnotated,
  hasFinalizer,
  missingRecordedChildren,
  nextEffects,
  type EffectBatch,
  type EffectContext,
  type EffectResult,
  type Fault,
} from './effects.js';
import type { NotificationType } from './names.js';
import { afterBatch, NO_FAILED_NOTIFICATIONS, type NotificationFailure } from './notification-failures.js';
import { mergeObserved, withWritten, type Observed } from './observed.js';
import { transitionEvent, transitionOf, type Outcome } from './outcomes.js';
import { ACTIVE_PHASES, type Phase } from './phases.js';
import { planProblem } from './plan.js';
import type { Verdict } from './routing.js';
import {
  blockedTooLongAt,
  enterPhase,
  ledgerFrom,
  nextDeadline,
  planSteps,
  sameJson,
  stepPhases,
  type Settings,
  type Status,
} from './status.js';
import { targetingProblem } from './validation.js';

export interface RemediationContext extends EffectContext {
  attempts: number;
  lastError?: string;
  fault?: Fault;
}

export type RemediationEvent =
  { type: 'observed'; observed: Observed; deleted: string[]; now: number } | { type: 'tick'; now: number };

export interface RemediationInput {
  observed: Observed;
  settings: Settings;
  now: number;
}

const ACTIVE = ACTIVE_PHASES;
type ActivePhase = (typeof ACTIVE)[number];

/** The empty list every context starts with: lists are replaced, never changed, so one serves all. */
const NONE: readonly string[] = Object.freeze([]);

const rrOf = (c: RemediationContext): RemediationRequest => c.observed.rr;

/**
 * The `hasEffects` guard and the invoke's input ask for the same batch of the same context (xstate
 * replaces the context object on every assign), so it is computed once: it builds the whole status.
 */
const batches = new WeakMap<RemediationContext, EffectBatch | undefined>();
function batchOf(context: RemediationContext): EffectBatch | undefined {
  if (!batches.has(context)) batches.set(context, nextEffects(context));
  return batches.get(context);
}
const analysisPhase = (c: RemediationContext): string | undefined => c.observed.analysis?.status?.phase;

/** The action that records the phase entered (and the outcome's reason). */
const enter = (outcome: Outcome) => ({ type: 'enter' as const, params: outcome });

/** Row: when `guard` holds, enter the active phase `phase` (after the actions `before`). */
function to<const G, const B extends string[]>(phase: ActivePhase, guard: G, ...before: B) {
  return { target: phase, guard, actions: [...before, enter({ phase })] };
}

/** Row: when `guard` holds, the request ends with `reason`, in that reason's phase of API.md. */
function end<const G>(reason: EndReason, guard: G) {
  const phase = REQUEST_REASONS[reason].phase;
  return { target: `#remediation.phase.${phase}` as const, guard, actions: enter({ phase, reason }) };
}

/** Row: when `guard` holds, the request waits in Blocked, for the reason its verdict gives. */
function block<const G>(guard: G) {
  return { target: '#remediation.phase.active.Blocked' as const, guard, actions: 'enterBlocked' as const };
}

const verdictOf = (c: RemediationContext): Verdict | undefined => c.observed.routing?.verdict;
const blockOf = (c: RemediationContext) => {
  const v = verdictOf(c);
  return v && 'block' in v ? v : undefined;
};
const isoOrUndefined = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();
/** The reasons that hold a request before Executing; the others hold it before Initializing. */
const EXECUTION_GATE: ReadonlySet<string> = new Set(['ResourceBusy', 'ExecutionLimit']);

/** Guard: the routing verdict skips the request with `reason`. */
const skips = (reason: 'Deduplicated' | 'RecentlyRemediated') => ({
  type: 'routeSkips' as const,
  params: { reason },
});

/** Guard: the last write met a fault with `reason`. */
const faulted = (reason: Fault['reason']) => ({ type: 'faulted' as const, params: { reason } });

export const remediationMachine = setup({
  types: {
    context: {} as RemediationContext,
    events: {} as RemediationEvent,
    input: {} as RemediationInput,
  },
  actors: {
    applyEffects: fromPromise<EffectResult, EffectBatch>(() =>
      Promise.reject(new Error('applyEffects is provided by the actor runtime')),
    ),
  },
  delays: {
    retryDelay: (): number => {
      throw new Error('retryDelay is provided by the actor runtime');
    },
    notificationRetryDelay: (): number => {
      throw new Error('notificationRetryDelay is provided by the actor runtime');
    },
  },
  guards: {
    restoredAs: ({ context }, params: { phase: Phase }) => context.ledger.phase === params.phase,
    isNew: ({ context }) => context.ledger.phase === undefined,
    pendingRecorded: ({ context }) =>
      rrOf(context).status?.phase !== undefined && hasFinalizer(rrOf(context)),
    targetingInvalid: ({ context }) => targetingProblem(rrOf(context)) !== undefined,
    processingCreated: ({ context }) => context.observed.processing !== undefined,
    processingFailed: ({ context }) => context.observed.processing?.status?.phase === 'Failed',
    processingCompleted: ({ context }) => context.observed.processing?.status?.phase === 'Completed',
    analysisRejected: ({ context }) => analysisPhase(context) === 'Rejected',
    analysisFailed: ({ context }) => analysisPhase(context) === 'Failed',
    approvalRequired: ({ context }) => analysisPhase(context) === 'Approving',
    analysisReady: ({ context }) => analysisPhase(context) === 'Ready',
    workflowFailed: ({ context }) => context.observed.workflow?.status?.phase === 'Failed',
    workflowPlanned: ({ context }) => context.observed.workflow?.status?.phase === 'Planned',
    planInvalid: ({ context }) => planProblem(planSteps(context.observed)) !== undefined,
    planEmpty: ({ context }) => planSteps(context.observed).length === 0,
    stepFailed: ({ context }) => [...stepPhases(context.observed).values()].includes('Failed'),
    allStepsCompleted: ({ context }) => {
      const phases = stepPhases(context.observed);
      return planSteps(context.observed).every((s) => phases.get(s.name) === 'Completed');
    },
    cancelRequested: ({ context }) => cancelAnnotated(rrOf(context)),
    faulted: ({ context }, params: { reason: Fault['reason'] }) => context.fault?.reason === params.reason,
    childDeleted: ({ context }) =>
      missingRecordedChildren(context.observed, context.ledger.phase, context.confirmedAbsent).some((c) =>
        context.confirmedAbsent.includes(c.name),
      ),
    globalDeadlinePassed: ({ context }) => {
      const d = nextDeadline(context.ledger, rrOf(context), context.settings);
      return d !== undefined && d.kind === 'global' && context.now >= d.at;
    },
    phaseDeadlinePassed: ({ context }) => {
      const d = nextDeadline(context.ledger, rrOf(context), context.settings);
      return d !== undefined && context.now >= d.at;
    },
    beingDeleted: ({ context }) => rrOf(context).metadata?.deletionTimestamp !== undefined,
    releasing: ({ context }) => context.releasing,
    finalizerReleased: ({ context }) => !hasFinalizer(rrOf(context)),
    hasEffects: ({ context }) => batchOf(context) !== undefined,
    notificationsHeld: ({ context }) => context.notificationsHeld,
    routeBlocks: ({ context }) => blockOf(context) !== undefined,
    routeSkips: ({ context }, params: { reason: string }) => {
      const v = verdictOf(context);
      return v !== undefined && 'skip' in v && v.skip === params.reason;
    },
    routeProceeds: ({ context }) => {
      const v = verdictOf(context);
      return v === undefined || 'proceed' in v;
    },
    blockChanged: ({ context }) => {
      const b = blockOf(context);
      const l = context.ledger;
      return (
        b !== undefined &&
        (b.block !== l.blockedReason ||
          isoOrUndefined(b.until) !== l.blockedUntil ||
          b.duplicateOf?.uid !== l.duplicateOf?.uid)
      );
    },
    blockedBeforeExecuting: ({ context }) => EXECUTION_GATE.has(context.ledger.blockedReason ?? ''),
    blockedTooLong: ({ context }) => {
      const at = blockedTooLongAt(context.ledger, context.settings);
      return at !== undefined && context.now >= at;
    },
  },
  actions: {
    enter: assign(({ context }, outcome: Outcome) => {
      const t = transitionOf(context, outcome);
      return {
        ledger: enterPhase(context.ledger, t, context.now, context.settings),
        outbox: [...context.outbox, transitionEvent(context.ledger.phase, t)],
        fault: undefined,
      };
    }),
    enterBlocked: assign(({ context }) => {
      const t = transitionOf(context, { phase: 'Blocked', reason: blockOf(context)?.block });
      return {
        ledger: enterPhase(context.ledger, t, context.now, context.settings),
        outbox: [...context.outbox, transitionEvent(context.ledger.phase, t)],
        fault: undefined,
      };
    }),
    /** Still Blocked, for another reason or until another time: no new history entry. */
    reblock: assign(({ context }) => {
      const t = transitionOf(context, { phase: 'Blocked', reason: blockOf(context)?.block });
      return {
        ledger: {
          ...context.ledger,
          reason: t.reason,
          message: t.message,
          blockedReason: t.reason as RemediationContext['ledger']['blockedReason'],
          blockedUntil: isoOrUndefined(t.blockedUntil),
          duplicateOf: t.duplicateOf,
        },
      };
    }),
    copyApproval: assign(({ context }) => {
      const approval = context.observed.analysis?.status?.approval;
      return approval ? { ledger: { ...context.ledger, approval } } : {};
    }),
    observe: assign(({ context, event }) => {
      if (event.type === 'observed') {
        const deleted = new Set(event.deleted);
        const observed = mergeObserved(context.observed, event.observed, deleted);
        const confirmedAbsent = event.deleted.length
          ? [...new Set([...context.confirmedAbsent, ...event.deleted])]
          : context.confirmedAbsent;
        return { observed, now: Math.max(context.now, event.now), confirmedAbsent };
      }
      return { now: Math.max(context.now, event.now) };
    }),
    startReleasing: assign({ releasing: true }),
    /** The writes' answers join what the actor knows; a fault among them ends the request. */
    recordResult: assign(({ context }, result: EffectResult) => {
      let observed = context.observed;
      for (const o of result.objects) observed = withWritten(observed, o);
      const failures: NotificationFailure[] = result.notificationFailures ?? [];
      const notices = afterBatch(context.failedNotifications, failures, createdTypes(result));
      const refused = failures.filter((f) => f.permanent).map((f) => f.name);
      const abandoned = [...(result.abandoned ?? []), ...refused];
      const outbox = result.eventsSent ? context.outbox.slice(result.eventsSent) : context.outbox;
      return {
        observed,
        attempts: 0,
        lastError: undefined,
        confirmedAbsent: result.absent.length
          ? [...new Set([...context.confirmedAbsent, ...result.absent])]
          : context.confirmedAbsent,
        abandoned: abandoned.length ? [...context.abandoned, ...abandoned] : context.abandoned,
        outbox: notices.events.length ? [...outbox, ...notices.events] : outbox,
        failedNotifications: notices.failed,
        notificationsHeld: failures.some((f) => !f.permanent) || context.notificationsHeld,
        lastWritten: result.writtenStatus
          ? {
              status: sharedStatus(result.writtenStatus, observed.rr),
              resourceVersion: observed.rr.metadata?.resourceVersion,
              at: context.now,
            }
          : context.lastWritten,
        fault: result.terminal ?? context.fault,
      };
    }),
    releaseNotifications: assign({ notificationsHeld: false }),
    recordFailure: assign(({ context }, params: { error: unknown }) => ({
      attempts: context.attempts + 1,
      lastError: String(params.error),
    })),
  },
}).createMachine({
  id: 'remediation',
  type: 'parallel',
  context: ({ input }) => ({
    settings: input.settings,
    now: input.now,
    observed: input.observed,
    ledger: ledgerFrom(input.observed.rr.status),
    outbox: [],
    confirmedAbsent: NONE,
    abandoned: NONE,
    failedNotifications: NO_FAILED_NOTIFICATIONS,
    notificationsHeld: false,
    releasing: false,
    attempts: 0,
  }),
  on: {
    observed: { actions: 'observe' },
    tick: { actions: 'observe' },
  },
  states: {
    phase: {
      initial: 'restoring',
      always: {
        guard: and(['beingDeleted', not('releasing')]),
        target: '.Releasing',
        actions: 'startReleasing',
      },
      states: {
        restoring: {
          always: [
            ...ACTIVE.map((phase) => ({
              guard: { type: 'restoredAs' as const, params: { phase } },
              target: `active.${phase}`,
            })),
            ...TERMINAL_PHASES.map((phase) => ({
              guard: { type: 'restoredAs' as const, params: { phase } },
              target: phase,
            })),
            { guard: 'isNew', target: 'active.Pending', actions: enter({ phase: 'Pending' }) },
          ],
        },
        active: {
          initial: 'Pending',
          always: [
            end('Cancelled', 'cancelRequested'),
            end('ChildConflict', faulted('ChildConflict')),
            end('ChildRejected', faulted('ChildRejected')),
            end('ChildDeleted', 'childDeleted'),
            end('GlobalTimeout', 'globalDeadlinePassed'),
            end('PhaseTimeout', 'phaseDeadlinePassed'),
          ],
          states: {
            Pending: {
              always: [
                end('RecentlyRemediated', skips('RecentlyRemediated')),
                block('routeBlocks'),
                to('Initializing', and(['pendingRecorded', 'routeProceeds'])),
              ],
            },
            Blocked: {
              always: [
                end('Deduplicated', skips('Deduplicated')),
                end('RecentlyRemediated', skips('RecentlyRemediated')),
                end('BlockedTooLong', 'blockedTooLong'),
                { guard: 'blockChanged', actions: 'reblock' },
                to('Executing', and(['blockedBeforeExecuting', 'routeProceeds'])),
                to('Initializing', and([not('blockedBeforeExecuting'), 'routeProceeds'])),
              ],
            },
            Initializing: {
              always: [
                end('InvalidTargetingData', 'targetingInvalid'),
                to('Processing', 'processingCreated'),
              ],
            },
            Processing: {
              always: [end('ProcessingFailed', 'processingFailed'), to('Analyzing', 'processingCompleted')],
            },
            Analyzing: {
              always: [
                end('AnalysisRejected', 'analysisRejected'),
                end('AnalysisFailed', 'analysisFailed'),
                to('AwaitingApproval', 'approvalRequired'),
                to('WorkflowPlanning', 'analysisReady', 'copyApproval'),
              ],
            },
            AwaitingApproval: {
              always: [
                end('ApprovalRejected', 'analysisRejected'),
                end('AnalysisFailed', 'analysisFailed'),
                to('WorkflowPlanning', 'analysisReady', 'copyApproval'),
              ],
            },
            WorkflowPlanning: {
              always: [
                end('PlanningFailed', 'workflowFailed'),
                end('InvalidPlan', and(['workflowPlanned', 'planInvalid'])),
                end('NoActionRequired', and(['workflowPlanned', 'planEmpty'])),
                block(and(['workflowPlanned', 'routeBlocks'])),
                to('Executing', 'workflowPlanned'),
              ],
            },
            Executing: {
              always: [end('StepFailed', 'stepFailed'), end('Succeeded', 'allStepsCompleted')],
            },
          },
        },
        Completed: {},
        Failed: {},
        TimedOut: {},
        Cancelled: {},
        Skipped: {},
        Releasing: {
          always: { guard: 'finalizerReleased', target: 'Released' },
        },
        Released: { type: 'final' },
      },
    },
    sync: {
      initial: 'idle',
      states: {
        idle: {
          always: { guard: 'hasEffects', target: 'applying' },
        },
        applying: {
          invoke: {
            src: 'applyEffects',
            input: ({ context }) => batchOf(context) as EffectBatch,
            onDone: {
              target: 'idle',
              actions: { type: 'recordResult', params: ({ event }) => event.output },
            },
            onError: {
              target: 'backoff',
              actions: { type: 'recordFailure', params: ({ event }) => ({ error: event.error }) },
            },
          },
        },
        backoff: {
          after: { retryDelay: 'idle' },
        },
      },
    },
    notify: {
      initial: 'ready',
      states: {
        ready: {
          always: { guard: 'notificationsHeld', target: 'holding' },
        },
        holding: {
          after: { notificationRetryDelay: { target: 'ready', actions: 'releaseNotifications' } },
        },
      },
    },
  },
});

/** The types of the notifications a batch created (or adopted). */
function createdTypes(result: EffectResult): NotificationType[] {
  return result.objects.flatMap((o) =>
    o.kind === 'NotificationRequest' ? [(o as { spec: { type: NotificationType } }).spec.type] : [],
  );
}

/**
 * The status we wrote, as kept until the next write: when the API server answered with the same
 * status (the usual case), the answer's own object, so that an actor keeps one copy, not two.
 */
function sharedStatus(written: Status, rr: RemediationRequest): Status {
  return rr.status !== undefined && sameJson(written, rr.status) ? rr.status : written;
}
