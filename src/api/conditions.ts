// The conditions of a RemediationRequest (`status.conditions[].type`) that the orchestrator sets, one
// row each: what True says. Part of the error catalog; docs/errors.md lists the same rows and a unit
// test keeps them in step.
export const REQUEST_CONDITIONS = {
  Ready: 'the remediation completed; False with the reason while it runs or once it failed',
  ProcessingComplete: 'the alert was enriched; False with the reason when the processing failed',
  AnalysisComplete: 'the analysis recommended actions; False with the reason when it did not',
  Approved: 'a person approved the recommended actions; Unknown while waiting, False when rejected',
  WorkflowPlanned: 'the workflow was planned; False with the reason when planning failed',
  ExecutionComplete: 'every step completed; False with the reason when one failed',
  Escalated: 'an escalation notification was created',
  NotificationFailed:
    'a notification could not be created (the reason is the error code, the message says whether it is retried); False once every one that failed exists',
  ActorStopped:
    "the request's actor crashed more than --actor-max-restarts times and stays stopped until the request's spec changes, it is cancelled or it is deleted (reason CrashedTooOften, the message has the error); gone once its actor runs again",
} as const satisfies Record<string, string>;

export type RequestCondition = keyof typeof REQUEST_CONDITIONS;
