// The limits of what the orchestrator writes: the maxLength (string), maxItems (list) or
// maxProperties (map) that the CRDs of config/crd/ declare at each path it fills with text of its
// own making, and the limits Kubernetes itself sets on names, label values and Event messages. Every
// such text is fitted where it is built (src/util/fit.ts); test/unit/limits.test.ts reads each CRD
// limit back from the CRD, so a schema change that tightens one fails a test, not a write.

export interface Limit {
  /** The kind whose CRD declares the limit, or undefined for a limit of Kubernetes itself. */
  kind?: 'RemediationRequest' | 'NotificationRequest';
  /** Where in the object: dotted fields, `[]` for a list's items, `*` for a map's values. */
  path: string;
  max: number;
}

export const LIMITS = {
  notificationTitle: { kind: 'NotificationRequest', path: 'spec.title', max: 253 },
  notificationMessage: { kind: 'NotificationRequest', path: 'spec.message', max: 8192 },
  notificationMetadataEntries: { kind: 'NotificationRequest', path: 'spec.metadata', max: 64 },
  notificationMetadataValue: { kind: 'NotificationRequest', path: 'spec.metadata.*', max: 1024 },
  notificationChannels: { kind: 'NotificationRequest', path: 'spec.channels', max: 10 },
  notificationChannel: { kind: 'NotificationRequest', path: 'spec.channels[]', max: 63 },
  requestMessage: { kind: 'RemediationRequest', path: 'status.message', max: 1024 },
  requestPhaseHistory: { kind: 'RemediationRequest', path: 'status.phaseHistory', max: 50 },
  conditionMessage: { kind: 'RemediationRequest', path: 'status.conditions[].message', max: 32768 },
  /** A DNS subdomain: the name of every object. */
  objectName: { path: 'metadata.name', max: 253 },
  labelValue: { path: 'metadata.labels.*', max: 63 },
  /** events.k8s.io's limit of an Event's note; the orchestrator keeps core Events to it too. */
  eventMessage: { path: 'message', max: 1024 },
} as const satisfies Record<string, Limit>;
