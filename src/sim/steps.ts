// The simulated controllers' decisions, as pure data: given a child as it is now and its scenario,
// the next status to write and how long to wait before writing it (or nothing: final, stuck,
// cancelled). The simulator re-decides from the latest object at every step, so it resumes any
// intermediate phase after a restart and leaves final phases alone.
import type {
  AIAnalysis,
  AIAnalysisStatus,
  ChildKindName,
  KubernetesExecution,
  KubernetesExecutionStatus,
  NotificationRequest,
  NotificationRequestStatus,
  RemediationProcessing,
  RemediationProcessingStatus,
  WorkflowExecution,
  WorkflowExecutionStatus,
} from '../api/index.js';
import type { Scenario } from './scenario.js';

export type ChildObject =
  RemediationProcessing | AIAnalysis | WorkflowExecution | KubernetesExecution | NotificationRequest;

export interface Step {
  /** The phase the child must still be in when the step is written ('' for no status yet). */
  from: string;
  delayMs: number;
  /** Merged into the child's status (a JSON merge patch of `status`). */
  status: StatusPatch;
}

/** Any of the five generated status types. */
export interface StatusPatch {
  phase?: string;
}

export const APPROVER = 'sim-approver@example.com';

/** The phase of a child, '' when it has none yet (Pending and no status are the same to us). */
export function phaseOf(o: ChildObject): string {
  const phase = o.status?.phase ?? '';
  return phase === 'Pending' ? '' : phase;
}

/** The next status write for `object`, or undefined when there is nothing (more) to do. */
export function nextStep(
  kind: ChildKindName,
  object: ChildObject,
  scenario: Scenario,
  now: number,
): Step | undefined {
  if (object.spec.cancelRequested === true || object.metadata?.deletionTimestamp) return undefined;
  const at = new Date(now).toISOString();
  switch (kind) {
    case 'RemediationProcessing':
      return processingStep(object as RemediationProcessing, scenario);
    case 'AIAnalysis':
      return analysisStep(object as AIAnalysis, scenario, at);
    case 'WorkflowExecution':
      return workflowStep(object as WorkflowExecution, scenario);
    case 'KubernetesExecution':
      return executionStep(object as KubernetesExecution, scenario, at);
    case 'NotificationRequest':
      return notificationStep(object as NotificationRequest, scenario, at);
  }
}

/**
 * The common shape of the four working kinds: from no status, the intermediate phase right away
 * and the final one after the delay; or, without intermediate phases, the final one after the
 * delay. A stuck outcome writes the intermediate phase and then nothing.
 */
function twoPhase(
  phase: string,
  intermediate: string,
  delayMs: number,
  stuck: boolean,
  scenario: Scenario,
  final: () => StatusPatch,
  first: StatusPatch = { phase: intermediate },
): Step | undefined {
  if (phase === '') {
    if (stuck || scenario.intermediatePhases) return { from: '', delayMs: 0, status: first };
    return { from: '', delayMs, status: { ...first, ...final() } };
  }
  if (phase === intermediate && !stuck) return { from: intermediate, delayMs, status: final() };
  return undefined;
}

function processingStep(rp: RemediationProcessing, scenario: Scenario): Step | undefined {
  const { outcome, delayMs } = scenario.processing;
  return twoPhase(
    phaseOf(rp),
    'Enriching',
    delayMs,
    outcome === 'Stuck',
    scenario,
    (): RemediationProcessingStatus =>
      outcome === 'Failed'
        ? {
            phase: 'Failed',
            reason: 'EnrichmentFailed',
            message: 'Simulated enrichment failure (scenario processing.outcome is Failed).',
          }
        : {
            phase: 'Completed',
            reason: 'Enriched',
            message: 'Simulated enrichment completed.',
            enrichedData: enrichedData(rp),
          },
  );
}

function enrichedData(rp: RemediationProcessing): Record<string, unknown> {
  const t = rp.spec.targetingData;
  return {
    simulated: true,
    owner: t.labels?.team ?? 'platform',
    workload: t.resource ?? { namespace: t.namespace },
    replicas: 3,
    recentDeploys: [{ revision: 'rev-41', ageMinutes: 42 }],
    metrics: { memoryUtilization: 0.93, restarts1h: 4 },
  };
}

function recommendations(
  scenario: Scenario,
  target: AIAnalysis['spec']['targetingData']['resource'],
): NonNullable<AIAnalysisStatus['investigationResult']>['recommendations'] {
  return scenario.plan.map((s) => ({
    name: s.name,
    action: s.action,
    parameters: s.parameters ?? {},
    ...(target ? { targetResource: target } : {}),
    dependsOn: s.dependsOn ?? [],
  }));
}

function analysisStep(aia: AIAnalysis, scenario: Scenario, at: string): Step | undefined {
  const a = scenario.analysis;
  const phase = phaseOf(aia);
  if (phase === 'Approving') {
    if (a.approvalDecision === 'None') return undefined;
    const approved = a.approvalDecision === 'Approved';
    const status: AIAnalysisStatus = {
      phase: approved ? 'Ready' : 'Rejected',
      reason: approved ? 'Approved' : 'ApprovalRejected',
      message: approved
        ? 'Simulated approver approved the recommended actions.'
        : 'Simulated approver rejected the recommended actions.',
      approval: {
        decision: approved ? 'Approved' : 'Rejected',
        decidedBy: APPROVER,
        method: 'simulated',
        justification: approved
          ? 'Simulated approval: the recommended actions match the runbook.'
          : 'Simulated rejection: the change window is closed.',
        decidedAt: at,
      },
    };
    return { from: 'Approving', delayMs: a.approvalDelayMs, status };
  }
  const final = (): AIAnalysisStatus => {
    const t = aia.spec.targetingData;
    switch (a.outcome) {
      case 'Failed':
        return {
          phase: 'Failed',
          reason: 'InvestigationFailed',
          message: 'Simulated investigation failure (scenario analysis.outcome is Failed).',
        };
      case 'Rejected':
        return {
          phase: 'Rejected',
          reason: 'AnalysisRejected',
          message: 'Simulated analysis found no safe remediation (scenario analysis.outcome is Rejected).',
        };
      default: {
        const investigationResult = {
          rootCause: `Simulated root cause for ${t.alertName}: memory leak after the latest deploy of ${t.resource?.name ?? 'the workload'}.`,
          confidence: a.confidence,
          recommendations: recommendations(scenario, t.resource),
        };
        if (!a.requiresApproval)
          return {
            phase: 'Ready',
            requiresApproval: false,
            reason: 'Investigated',
            message: 'Simulated investigation completed.',
            investigationResult,
          };
        return {
          phase: 'Approving',
          requiresApproval: true,
          reason: 'ApprovalRequired',
          message: 'Simulated policy requires a human approval.',
          investigationResult,
          approvalContext: {
            reason: `Simulated policy: changes in ${t.environment} need approval.`,
            confidence: a.confidence,
            summary: investigationResult.rootCause,
            recommendedActions: scenario.plan.map((s) => `${s.name}: ${s.action}`),
          },
        };
      }
    }
  };
  return twoPhase(phase, 'Investigating', a.delayMs, a.outcome === 'Stuck', scenario, final);
}

function workflowStep(we: WorkflowExecution, scenario: Scenario): Step | undefined {
  const { outcome, delayMs } = scenario.workflow;
  return twoPhase(
    phaseOf(we),
    'Planning',
    delayMs,
    outcome === 'Stuck',
    scenario,
    (): WorkflowExecutionStatus =>
      outcome === 'Failed'
        ? {
            phase: 'Failed',
            reason: 'PlanningFailed',
            message: 'Simulated planning failure (scenario workflow.outcome is Failed).',
          }
        : {
            phase: 'Planned',
            reason: 'Planned',
            message: `Simulated plan of ${we.spec.recommendations?.length ?? 0} steps.`,
            // The plan follows the recommendations the workflow was given, not the scenario.
            plan: {
              steps: (we.spec.recommendations ?? []).map((r) => ({
                name: r.name,
                action: r.action,
                ...(r.parameters ? { parameters: r.parameters } : {}),
                ...(r.targetResource ? { targetResource: r.targetResource } : {}),
                dependsOn: r.dependsOn ?? [],
                timeout: '5m',
              })),
            },
          },
  );
}

function executionStep(ke: KubernetesExecution, scenario: Scenario, at: string): Step | undefined {
  const { delayMs, failSteps, stuckSteps } = scenario.execution;
  const step = ke.spec.step;
  const failed = failSteps.includes(step.name);
  const running: KubernetesExecutionStatus = { phase: 'Running', startTime: ke.status?.startTime ?? at };
  return twoPhase(
    phaseOf(ke),
    'Running',
    delayMs,
    stuckSteps.includes(step.name),
    scenario,
    (): KubernetesExecutionStatus =>
      failed
        ? {
            phase: 'Failed',
            completionTime: at,
            reason: 'StepFailed',
            message: `Simulated failure of step ${step.name} (${step.action}).`,
          }
        : {
            phase: 'Completed',
            completionTime: at,
            reason: 'Succeeded',
            message: `Simulated ${step.action} succeeded.`,
            output: { simulated: true, action: step.action, step: step.name },
          },
    running,
  );
}

function notificationStep(nr: NotificationRequest, scenario: Scenario, at: string): Step | undefined {
  if (phaseOf(nr) !== '') return undefined;
  const { delayMs, outcome } = scenario.notification;
  const status: NotificationRequestStatus =
    outcome === 'Failed'
      ? {
          phase: 'Failed',
          reason: 'DeliveryFailed',
          message: `Simulated delivery failure of the ${nr.spec.type} notification.`,
        }
      : {
          phase: 'Sent',
          sentTime: at,
          reason: 'Delivered',
          message: `Simulated delivery of the ${nr.spec.type} notification to ${(nr.spec.channels ?? []).join(', ') || 'the default channel'}.`,
        };
  return { from: '', delayMs, status };
}
