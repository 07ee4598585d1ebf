// The request reasons of API.md (`status.reason` of a RemediationRequest), one row each: the phase it
// ends in, whether the remediation succeeded, the error category (and code) that produces it, null for
// an end that is no error, and what it means to the person reading `kubectl get rr`. Part of the error
// catalog (./error-catalog.ts); docs/errors.md lists the same rows and a unit test keeps them in step.
import type { Category, ErrorCode } from './error-catalog.js';
import type { TERMINAL_PHASES } from './kinds.js';

interface ReasonRow {
  phase: (typeof TERMINAL_PHASES)[number];
  success: boolean;
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
} as const satisfies Record<string, ReasonRow>;

export type RequestReason = keyof typeof REQUEST_REASONS;
