export const API_VERSION = 'v1alpha1';

export interface KindInfo {
  kind: string;
  group: string;
  plural: string;
  /** The value of the kubernaut.ai/component label on children of this kind. */
  component: string;
}

export const KINDS = {
  RemediationRequest: {
    kind: 'RemediationRequest',
    group: 'remediation.kubernaut.ai',
    plural: 'remediationrequests',
    component: 'remediation',
  },
  RemediationProcessing: {
    kind: 'RemediationProcessing',
    group: 'remediationprocessing.kubernaut.ai',
    plural: 'remediationprocessings',
    component: 'processing',
  },
  AIAnalysis: {
    kind: 'AIAnalysis',
    group: 'aianalysis.kubernaut.ai',
    plural: 'aianalyses',
    component: 'aianalysis',
  },
  WorkflowExecution: {
    kind: 'WorkflowExecution',
    group: 'workflowexecution.kubernaut.ai',
    plural: 'workflowexecutions',
    component: 'workflow',
  },
  KubernetesExecution: {
    kind: 'KubernetesExecution',
    group: 'kubernetesexecution.kubernaut.ai',
    plural: 'kubernetesexecutions',
    component: 'execution',
  },
  NotificationRequest: {
    kind: 'NotificationRequest',
    group: 'notification.kubernaut.ai',
    plural: 'notificationrequests',
    component: 'notification',
  },
} as const satisfies Record<string, KindInfo>;

export type KindName = keyof typeof KINDS;
export const CHILD_KINDS = [
  'RemediationProcessing',
  'AIAnalysis',
  'WorkflowExecution',
  'KubernetesExecution',
  'NotificationRequest',
] as const;
export type ChildKindName = (typeof CHILD_KINDS)[number];

export function apiVersionOf(kind: KindName): string {
  return `${KINDS[kind].group}/${API_VERSION}`;
}

export const LABEL_REMEDIATION_REQUEST = 'kubernaut.ai/remediation-request';
export const LABEL_COMPONENT = 'kubernaut.ai/component';
export const FINALIZER = 'remediation.kubernaut.ai/finalizer';
export const CANCEL_ANNOTATION = 'remediation.kubernaut.ai/cancel';

export const TERMINAL_PHASES = ['Completed', 'Failed', 'TimedOut', 'Cancelled', 'Skipped'] as const;
