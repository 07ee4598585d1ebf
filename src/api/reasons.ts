// The request reasons of API.md (`status.reason` of a RemediationRequest), one row each: the phase it
// ends in, whether the remediation succeeded, and what it means to the person reading `kubectl get rr`.
// docs/errors.md lists the same rows; a unit test keeps the two in step.
export const REQUEST_REASONS = {
  Succeeded: { phase: 'Completed', success: true, means: 'every step of the plan completed' },
  NoActionRequired: { phase: 'Completed', success: true, means: 'the plan had no steps' },
  ProcessingFailed: { phase: 'Failed', success: false, means: 'the RemediationProcessing reported Failed' },
  AnalysisRejected: { phase: 'Failed', success: false, means: 'the AIAnalysis reported Rejected' },
  AnalysisFailed: { phase: 'Failed', success: false, means: 'the AIAnalysis reported Failed' },
  ApprovalRejected: { phase: 'Failed', success: false, means: 'a person rejected the approval' },
  PlanningFailed: { phase: 'Failed', success: false, means: 'the WorkflowExecution reported Failed' },
  InvalidPlan: {
    phase: 'Failed',
    success: false,
    means: 'the plan has a duplicate step, an unknown dependency or a cycle',
  },
  StepFailed: { phase: 'Failed', success: false, means: 'a KubernetesExecution reported Failed' },
  ChildDeleted: { phase: 'Failed', success: false, means: 'a working child was deleted by hand' },
  ChildConflict: {
    phase: 'Failed',
    success: false,
    means: "an object with a child's name exists and belongs to another owner",
  },
  ChildRejected: { phase: 'Failed', success: false, means: 'the API server refused a child for good' },
  InvalidTargetingData: {
    phase: 'Failed',
    success: false,
    means: 'spec.targetingData broke a rule the schema should have enforced',
  },
  PhaseTimeout: { phase: 'TimedOut', success: false, means: 'a phase outlived its timeout' },
  GlobalTimeout: { phase: 'TimedOut', success: false, means: 'the whole remediation outlived its timeout' },
  Cancelled: { phase: 'Cancelled', success: false, means: 'the cancel annotation was set' },
} as const satisfies Record<string, { phase: string; success: boolean; means: string }>;

export type RequestReason = keyof typeof REQUEST_REASONS;
