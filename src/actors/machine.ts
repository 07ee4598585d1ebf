// The RemediationRequest machine (xstate v5). Two parallel regions:
//  - phase: the phases of shared/API.md as states, moved by eventless transitions whose named,
//    pure guards read the latest observed view of the request and its children;
//  - sync:  computes the next batch of writes from the context (effects.ts) and invokes the
//    injected `applyEffects` actor, backing off after failures.
// Only xstate and our own types are imported; the clock's "now" arrives with each event.
import { and, assign, fromPromise, not, setup } from 'xstate';
import { TERMINAL_PHASES, type RemediationRequest } from '../api/index.js';
import {
  cancelAnnotated,
  hasFinalizer,
  missingRecordedChildren,
  nextEffects,
  type EffectBatch,
  type EffectContext,
  type EffectResult,
  type KubeEvent,
} from './effects.js';
import { mergeObserved, withWritten, type Observed } from './observed.js';
import { PHASE_TIMEOUT, isTerminal, type Phase } from './phases.js';
import { planProblem } from './plan.js';
import {
  effectiveTimeouts,
  enterPhase,
  ledgerFrom,
  nextDeadline,
  planSteps,
  sameJson,
  stepPhases,
  type Ledger,
  type Settings,
  type Status,
  type Transition,
} from './status.js';
import { formatDuration } from '../util/duration.js';
import { targetingProblem } from './validation.js';

export interface RemediationContext extends EffectContext {
  attempts: number;
  lastError?: string;
  fault?: { reason: string; message: string };
}

export type RemediationEvent =
  { type: 'observed'; observed: Observed; deleted: string[]; now: number } | { type: 'tick'; now: number };

export interface RemediationInput {
  observed: Observed;
  settings: Settings;
  now: number;
}

const ACTIVE: readonly Phase[] = [
  'Pending',
  'Initializing',
  'Processing',
  'Analyzing',
  'AwaitingApproval',
  'WorkflowPlanning',
  'Executing',
];

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
const childMessage = (
  o: { status?: { message?: string; reason?: string } } | undefined,
  fallback: string,
): string => o?.status?.message ?? (o?.status?.reason ? `${fallback} (${o.status.reason})` : fallback);
const analysisPhase = (c: RemediationContext): string | undefined => c.observed.analysis?.status?.phase;

type Params = { phase: Phase };
type TransitionParams = Transition;

/** A transition to `target` that records the phase entered, with params computed from the context. */
function to<const G>(target: string, guard: G, params: (c: RemediationContext) => TransitionParams) {
  return {
    target,
    guard,
    actions: {
      type: 'enter' as const,
      params: ({ context }: { context: RemediationContext }) => params(context),
    },
  };
}

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
    retryDelay: ({ context }) => Math.min(30_000, 100 * 2 ** Math.min(context.attempts, 16)),
  },
  guards: {
    restoredAs: ({ context }, params: Params) => context.ledger.phase === params.phase,
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
    faulted: ({ context }) => context.fault !== undefined,
    childDeleted: ({ context }) =>
      missingRecordedChildren(context.observed, context.ledger.phase).some((c) =>
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
    terminalEffectError: ({ event }) => (event as { output?: EffectResult }).output?.terminal !== undefined,
  },
  actions: {
    enter: assign(({ context }, t: TransitionParams) => {
      const from = context.ledger.phase;
      const ledger: Ledger = enterPhase(context.ledger, t, context.now, context.settings);
      const warning = t.phase === 'Failed' || t.phase === 'TimedOut';
      const event: KubeEvent = {
        type: warning ? 'Warning' : 'Normal',
        reason: t.reason ?? `Phase${t.phase}`,
        message: `${from ?? 'New'} -> ${t.phase}${t.message ? `: ${t.message}` : ''}`.slice(0, 1024),
        notable: warning || isTerminal(t.phase) || t.phase === 'AwaitingApproval',
      };
      return { ledger, outbox: [...context.outbox, event], fault: undefined };
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
    recordResult: assign(({ context, event }) => {
      const result = (event as unknown as { output: EffectResult }).output;
      let observed = context.observed;
      for (const o of result.objects) observed = withWritten(observed, o);
      return {
        observed,
        attempts: 0,
        lastError: undefined,
        confirmedAbsent: result.absent.length
          ? [...new Set([...context.confirmedAbsent, ...result.absent])]
          : context.confirmedAbsent,
        abandoned: result.abandoned?.length ? [...context.abandoned, ...result.abandoned] : context.abandoned,
        outbox: result.eventsSent ? context.outbox.slice(result.eventsSent) : context.outbox,
        lastWritten: result.writtenStatus
          ? {
              status: sharedStatus(result.writtenStatus, observed.rr),
              resourceVersion: observed.rr.metadata?.resourceVersion,
              at: context.now,
            }
          : context.lastWritten,
      };
    }),
    recordFault: assign(({ event }) => ({
      fault: (event as unknown as { output: EffectResult }).output.terminal,
    })),
    recordFailure: assign(({ context, event }) => ({
      attempts: context.attempts + 1,
      lastError: String((event as { error?: unknown }).error),
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
            {
              guard: 'isNew',
              target: 'active.Pending',
              actions: { type: 'enter', params: { phase: 'Pending' } },
            },
          ],
        },
        active: {
          initial: 'Pending',
          always: [
            to('#remediation.phase.Cancelled', 'cancelRequested', () => ({
              phase: 'Cancelled',
              reason: 'Cancelled',
              message: 'Cancelled by the annotation remediation.kubernaut.ai/cancel.',
            })),
            to('#remediation.phase.Failed', 'faulted', (c) => ({
              phase: 'Failed',
              reason: c.fault?.reason ?? 'Fault',
              message: c.fault?.message,
            })),
            to('#remediation.phase.Failed', 'childDeleted', (c) => ({
              phase: 'Failed',
              reason: 'ChildDeleted',
              message: `A child of phase ${c.ledger.phase} was deleted while it was working: ${missingRecordedChildren(
                c.observed,
                c.ledger.phase,
              )
                .map((r) => `${r.kind}/${r.name}`)
                .join(', ')}.`,
            })),
            to('#remediation.phase.TimedOut', 'globalDeadlinePassed', (c) => ({
              phase: 'TimedOut',
              reason: 'GlobalTimeout',
              timeoutPhase: c.ledger.phase,
              message: `The remediation exceeded its global timeout of ${formatLimit(c, 'global')} while in phase ${c.ledger.phase}.`,
            })),
            to('#remediation.phase.TimedOut', 'phaseDeadlinePassed', (c) => ({
              phase: 'TimedOut',
              reason: 'PhaseTimeout',
              timeoutPhase: c.ledger.phase,
              message: `Phase ${c.ledger.phase} exceeded its timeout of ${formatLimit(c, 'phase')}.`,
            })),
          ],
          states: {
            Pending: {
              always: {
                guard: 'pendingRecorded',
                target: 'Initializing',
                actions: { type: 'enter', params: { phase: 'Initializing' } },
              },
            },
            Initializing: {
              always: [
                to('#remediation.phase.Failed', 'targetingInvalid', (c) => ({
                  phase: 'Failed',
                  reason: 'InvalidTargetingData',
                  message: targetingProblem(rrOf(c)),
                })),
                to('Processing', 'processingCreated', () => ({ phase: 'Processing' })),
              ],
            },
            Processing: {
              always: [
                to('#remediation.phase.Failed', 'processingFailed', (c) => ({
                  phase: 'Failed',
                  reason: 'ProcessingFailed',
                  message: childMessage(c.observed.processing, 'The RemediationProcessing failed.'),
                })),
                to('Analyzing', 'processingCompleted', () => ({ phase: 'Analyzing' })),
              ],
            },
            Analyzing: {
              always: [
                to('#remediation.phase.Failed', 'analysisRejected', (c) => ({
                  phase: 'Failed',
                  reason: 'AnalysisRejected',
                  message: childMessage(c.observed.analysis, 'The AIAnalysis rejected the remediation.'),
                })),
                to('#remediation.phase.Failed', 'analysisFailed', (c) => ({
                  phase: 'Failed',
                  reason: 'AnalysisFailed',
                  message: childMessage(c.observed.analysis, 'The AIAnalysis failed.'),
                })),
                to('AwaitingApproval', 'approvalRequired', () => ({
                  phase: 'AwaitingApproval',
                  message: 'The recommended actions need a person to approve them.',
                })),
                {
                  ...to('WorkflowPlanning', 'analysisReady', () => ({ phase: 'WorkflowPlanning' })),
                  actions: ['copyApproval', { type: 'enter', params: () => ({ phase: 'WorkflowPlanning' }) }],
                },
              ],
            },
            AwaitingApproval: {
              always: [
                to('#remediation.phase.Failed', 'analysisRejected', (c) => ({
                  phase: 'Failed',
                  reason: 'ApprovalRejected',
                  message: approvalRejectedMessage(c),
                })),
                to('#remediation.phase.Failed', 'analysisFailed', (c) => ({
                  phase: 'Failed',
                  reason: 'AnalysisFailed',
                  message: childMessage(c.observed.analysis, 'The AIAnalysis failed.'),
                })),
                {
                  ...to('WorkflowPlanning', 'analysisReady', () => ({ phase: 'WorkflowPlanning' })),
                  actions: ['copyApproval', { type: 'enter', params: () => ({ phase: 'WorkflowPlanning' }) }],
                },
              ],
            },
            WorkflowPlanning: {
              always: [
                to('#remediation.phase.Failed', 'workflowFailed', (c) => ({
                  phase: 'Failed',
                  reason: 'PlanningFailed',
                  message: childMessage(c.observed.workflow, 'The WorkflowExecution failed to plan.'),
                })),
                to('#remediation.phase.Failed', and(['workflowPlanned', 'planInvalid']), (c) => ({
                  phase: 'Failed',
                  reason: 'InvalidPlan',
                  message: `The workflow plan cannot run: ${planProblem(planSteps(c.observed))}.`,
                })),
                to('#remediation.phase.Completed', and(['workflowPlanned', 'planEmpty']), () => ({
                  phase: 'Completed',
                  reason: 'NoActionRequired',
                  message: 'The workflow planned no steps: nothing needs to be done.',
                })),
                to('Executing', 'workflowPlanned', (c) => ({
                  phase: 'Executing',
                  message: `Executing ${planSteps(c.observed).length} steps.`,
                })),
              ],
            },
            Executing: {
              always: [
                to('#remediation.phase.Failed', 'stepFailed', (c) => ({
                  phase: 'Failed',
                  reason: 'StepFailed',
                  message: failedStepMessage(c),
                })),
                to('#remediation.phase.Completed', 'allStepsCompleted', (c) => ({
                  phase: 'Completed',
                  reason: 'Succeeded',
                  message: `All ${planSteps(c.observed).length} steps completed.`,
                })),
              ],
            },
          },
        },
        Completed: {},
        Failed: {},
        TimedOut: {},
        Cancelled: {},
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
            onDone: [
              { guard: 'terminalEffectError', target: 'idle', actions: ['recordResult', 'recordFault'] },
              { target: 'idle', actions: 'recordResult' },
            ],
            onError: { target: 'backoff', actions: 'recordFailure' },
          },
        },
        backoff: {
          after: { retryDelay: 'idle' },
        },
      },
    },
  },
});

/**
 * The status we wrote, as kept until the next write: when the API server answered with the same
 * status (the usual case), the answer's own object, so that an actor keeps one copy, not two.
 */
function sharedStatus(written: Status, rr: RemediationRequest): Status {
  return rr.status !== undefined && sameJson(written, rr.status) ? rr.status : written;
}

function formatLimit(c: RemediationContext, kind: 'phase' | 'global'): string {
  const timeouts = effectiveTimeouts(rrOf(c), c.settings.timeouts);
  const key = kind === 'global' ? 'global' : (PHASE_TIMEOUT[c.ledger.phase ?? 'Pending'] ?? 'processing');
  return formatDuration(timeouts[key]);
}

function approvalRejectedMessage(c: RemediationContext): string {
  const approval = c.observed.analysis?.status?.approval;
  if (approval?.decidedBy)
    return `Rejected by ${approval.decidedBy}${approval.justification ? `: ${approval.justification}` : '.'}`;
  return childMessage(c.observed.analysis, 'The recommended actions were rejected.');
}

function failedStepMessage(c: RemediationContext): string {
  const failed = Object.entries(c.observed.executions).filter(([, ke]) => ke.status?.phase === 'Failed');
  const [step, ke] = failed[0] ?? ['unknown', undefined];
  return `Step ${step} failed${ke?.status?.message ? `: ${ke.status.message}` : '.'}`;
}
