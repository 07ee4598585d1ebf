// The request reasons of API.md (`status.reason` of a RemediationRequest), one row each: the phase it
// ends in, whether the remediation succeeded, the error category (and code) that produces it, null for
// an end that is no error, and what it means to the person reading `kubectl get rr`. Part of the error
// catalog (./error-catalog.ts); docs/errors.md lists the same rows and a unit test keeps them in step.
import type { Category, ErrorCode } from './error-catalog.js';
import type { TERMINAL_PHASES } from './kinds.js';

interface ReasonRow {
  /** The terminal phase the reason ends a request in, or Blocked for a storm-protection rule that holds it. */
  phase: (typeof TERMINAL_PHASES)[number] | 'Blocked';
  /** `original`: a duplicate ends with the success of the request it was folded into. */
  success: boolean | 'original';
  category: Category | null;
  /** The error code whose failure ends the request with this reason, where one does. */
  code?: ErrorCode;
  means: string;
}

export const REQUEST_REASONS = {
  Succeeded: { phase: 'Completed', success: true, category: null, means: 'every step of the plan completed' },
  NoActionRequired: { phase: 'Completed', success: true, category: null, means: 'the plan had no steps' },
  ProcessingFailed: {
    phase: 'Failed',
    success: false,
    category: 'F',
    means: 'the RemediationProcessing reported Failed',
  },
  AnalysisRejected: {
    phase: 'Failed',
    success: false,
    category: 'F',
    means: 'the AIAnalysis reported Rejected',
  },
  AnalysisFailed: { phase: 'Failed', success: false, category: 'F', means: 'the AIAnalysis reported Failed' },
  ApprovalRejected: {
    phase: 'Failed',
    success: false,
    category: 'F',
    means: 'a person rejected the approval',
  },
  PlanningFailed: {
    phase: 'Failed',
    success: false,
    category: 'F',
    means: 'the WorkflowExecution reported Failed',
  },
  StepFailed: {
    phase: 'Failed',
    success: false,
    category: 'F',
    means: 'a KubernetesExecution reported Failed',
  },
  InvalidPlan: {
    phase: 'Failed',
    success: false,
    category: 'C',
    means: 'the plan has a duplicate step, an unknown dependency or a cycle',
  },
  InvalidTargetingData: {
    phase: 'Failed',
    success: false,
    category: 'C',
    means: 'spec.targetingData broke a rule the schema should have enforced',
  },
  ChildConflict: {
    phase: 'Failed',
    success: false,
    category: 'C',
    code: 'CHILD_CONFLICT',
    means: "an object with a child's name exists and belongs to another owner",
  },
  ChildRejected: {
    phase: 'Failed',
    success: false,
    category: 'C',
    code: 'INVALID_OBJECT',
    means: 'the API server refused a child for good (invalid, too large)',
  },
  ChildDeleted: {
    phase: 'Failed',
    success: false,
    category: 'A',
    means: 'a working child was deleted by hand',
  },
  PhaseTimeout: { phase: 'TimedOut', success: false, category: null, means: 'a phase outlived its timeout' },
  GlobalTimeout: {
    phase: 'TimedOut',
    success: false,
    category: null,
    means: 'the whole remediation outlived its timeout',
  },
  Cancelled: { phase: 'Cancelled', success: false, category: null, means: 'the cancel annotation was set' },
  DuplicateInProgress: {
    phase: 'Blocked',
    success: false,
    category: null,
    means: 'an earlier request of the same namespace and fingerprint is in progress; this one waits on it',
  },
  ResourceBusy: {
    phase: 'Blocked',
    success: false,
    category: null,
    means: 'another request for the same target is Executing; this one waits before Executing',
  },
  ConsecutiveFailures: {
    phase: 'Blocked',
    success: false,
    category: null,
    means: 'the last remediations of this fingerprint all failed; it waits until blockedUntil',
  },
  ExecutionLimit: {
    phase: 'Blocked',
    success: false,
    category: null,
    means: 'the cluster-wide limit of requests in Executing is reached; it waits before Executing',
  },
  StormProtection: {
    phase: 'Blocked',
    success: false,
    category: null,
    means: 'an alert storm is on; a request of severity other than critical waits until it clears',
  },
  Deduplicated: {
    phase: 'Skipped',
    success: 'original',
    category: null,
    means: 'the request it waited on ended; this one ends with that outcome',
  },
  RecentlyRemediated: {
    phase: 'Skipped',
    success: true,
    category: null,
    means: 'a request with this fingerprint completed moments ago',
  },
  BlockedTooLong: {
    phase: 'Skipped',
    success: false,
    category: null,
    means: 'the request stayed Blocked longer than --max-blocked',
  },
} as const satisfies Record<string, ReasonRow>;

export type RequestReason = keyof typeof REQUEST_REASONS;

/** The reasons that hold a request in Blocked (status.blockedReason). */
export type BlockedReason = {
  [R in RequestReason]: (typeof REQUEST_REASONS)[R]['phase'] extends 'Blocked' ? R : never;
}[RequestReason];
/** The reasons that end a request: each names the terminal phase it ends in. */
export type EndReason = Exclude<RequestReason, BlockedReason>;
