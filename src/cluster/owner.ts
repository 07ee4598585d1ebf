// Which RemediationRequest a child belongs to, as the contract says (shared/API.md, Kinds): the
// working children's controller ownerReference, which must be of kind RemediationRequest; the
// NotificationRequests' spec.remediationRequestRef, as they are not owned.
import type { KubeObject } from '../k8s/indexed-store.js';

/** The UID of the RemediationRequest `o` belongs to, or undefined when it belongs to none. */
export function ownerUid(o: KubeObject): string | undefined {
  const controller = o.metadata?.ownerReferences?.find(
    (r) => r.controller && r.kind === 'RemediationRequest',
  );
  if (controller) return controller.uid;
  if (o.kind !== 'NotificationRequest') return undefined;
  return (o as { spec?: { remediationRequestRef?: { uid?: string } } }).spec?.remediationRequestRef?.uid;
}
