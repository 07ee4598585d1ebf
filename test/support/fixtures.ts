// Sample objects of the contract, for tests that create them by hand.
import type { Obj } from './kube.js';

export function targetingData(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    signalFingerprint: 'fp:high-memory.payment-api',
    alertName: 'HighMemoryUsage',
    environment: 'production',
    severity: 'critical',
    namespace: 'payments',
    resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'payment-api', namespace: 'payments' },
    labels: { team: 'payments' },
    ...overrides,
  };
}

export function remediationRequest(
  name: string,
  spec: Record<string, unknown> = {},
): Omit<Obj, 'apiVersion' | 'kind'> {
  return { metadata: { name }, spec: { targetingData: targetingData(), ...spec } };
}

export function parentRef(rr: Obj): { name: string; namespace: string; uid: string } {
  return { name: rr.metadata.name, namespace: rr.metadata.namespace ?? '', uid: rr.metadata.uid ?? '' };
}

export function ownerReference(rr: Obj): Record<string, unknown> {
  return {
    apiVersion: rr.apiVersion,
    kind: rr.kind,
    name: rr.metadata.name,
    uid: rr.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The name API.md gives the notification of `type` of a request with a short name: `<rr>-<type>-<uid8>`. */
export function notificationName(rr: Obj, type: 'approval' | 'escalation' | 'success'): string {
  return `${rr.metadata.name}-${type}-${(rr.metadata.uid ?? '').slice(0, 8)}`;
}
