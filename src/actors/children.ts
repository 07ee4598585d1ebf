// The bodies of the children the orchestrator creates, computed from what it observed (pure).
import {
  KINDS,
  LABEL_COMPONENT,
  LABEL_REMEDIATION_REQUEST,
  apiVersionOf,
  type AIAnalysis,
  type ChildKindName,
  type KubernetesExecution,
  type NotificationRequest,
  type RemediationProcessing,
  type RemediationRequest,
  type WorkflowExecution,
} from '../api/index.js';
import { childNames, requestLabelValue, type NotificationType } from './names.js';
import type { PlanStep } from './plan.js';

export interface ChildCreate {
  kind: ChildKindName;
  name: string;
  body: RemediationProcessing | AIAnalysis | WorkflowExecution | KubernetesExecution | NotificationRequest;
}

function envelope(rr: RemediationRequest, kind: ChildKindName, name: string, owned: boolean) {
  const rrName = rr.metadata?.name ?? '';
  const metadata: Record<string, unknown> = {
    name,
    namespace: rr.metadata?.namespace,
    labels: {
      [LABEL_REMEDIATION_REQUEST]: requestLabelValue(rrName),
      [LABEL_COMPONENT]: KINDS[kind].component,
    },
  };
  if (owned) {
    metadata.ownerReferences = [
      {
        apiVersion: apiVersionOf('RemediationRequest'),
        kind: 'RemediationRequest',
        name: rrName,
        uid: rr.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
  }
  return {
    apiVersion: apiVersionOf(kind),
    kind: KINDS[kind].kind,
    metadata,
    spec: {
      remediationRequestRef: {
        name: rrName,
        namespace: rr.metadata?.namespace ?? '',
        uid: rr.metadata?.uid ?? '',
      },
      targetingData: rr.spec.targetingData,
    },
  };
}

export function processingFor(rr: RemediationRequest): ChildCreate {
  const name = childNames.processing(rr.metadata?.name ?? '');
  return {
    kind: 'RemediationProcessing',
    name,
    body: envelope(rr, 'RemediationProcessing', name, true),
  };
}

export function analysisFor(
  rr: RemediationRequest,
  processing: RemediationProcessing | undefined,
): ChildCreate {
  const name = childNames.analysis(rr.metadata?.name ?? '');
  const base = envelope(rr, 'AIAnalysis', name, true);
  const spec = {
    ...base.spec,
    signalFingerprint: rr.spec.targetingData.signalFingerprint,
    enrichedData: processing?.status?.enrichedData ?? {},
  };
  return { kind: 'AIAnalysis', name, body: { ...base, spec } };
}

export function workflowFor(rr: RemediationRequest, analysis: AIAnalysis | undefined): ChildCreate {
  const name = childNames.workflow(rr.metadata?.name ?? '');
  const base = envelope(rr, 'WorkflowExecution', name, true);
  const recommendations = analysis?.status?.investigationResult?.recommendations ?? [];
  return {
    kind: 'WorkflowExecution',
    name,
    body: { ...base, spec: { ...base.spec, recommendations } },
  };
}

export function executionFor(
  rr: RemediationRequest,
  workflow: WorkflowExecution | undefined,
  step: PlanStep,
): ChildCreate {
  const name = childNames.execution(rr.metadata?.name ?? '', step.name);
  const base = envelope(rr, 'KubernetesExecution', name, true);
  const { dependsOn: _dependsOn, ...stepSpec } = step;
  const workflowExecutionRef = {
    name: workflow?.metadata?.name ?? childNames.workflow(rr.metadata?.name ?? ''),
    namespace: rr.metadata?.namespace ?? '',
    uid: workflow?.metadata?.uid,
  };
  return {
    kind: 'KubernetesExecution',
    name,
    body: { ...base, spec: { ...base.spec, workflowExecutionRef, step: stepSpec } },
  };
}

export interface NotificationContent {
  type: NotificationType;
  priority: 'low' | 'medium' | 'high' | 'critical';
  channels: string[];
  title: string;
  message: string;
  metadata: Record<string, string>;
  approvalContext?: NonNullable<AIAnalysis['status']>['approvalContext'];
}

/** NotificationRequests are not owned: an escalation must outlive the request's retention. */
export function notificationFor(rr: RemediationRequest, content: NotificationContent): ChildCreate {
  const name = childNames.notification(rr.metadata?.name ?? '', content.type, rr.metadata?.uid ?? '');
  const base = envelope(rr, 'NotificationRequest', name, false);
  const spec: Record<string, unknown> = { ...base.spec, ...content };
  if (!content.approvalContext) delete spec.approvalContext;
  return { kind: 'NotificationRequest', name, body: { ...base, spec } as unknown as NotificationRequest };
}
