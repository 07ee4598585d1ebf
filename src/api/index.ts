// The resource contract of shared/API.md: the six kinds, their generated types, and the names,
// labels and annotations that the orchestrator, the simulator and the tests all speak.
export type * from './generated/remediationrequests.js';
export type * from './generated/remediationprocessings.js';
export type * from './generated/aianalyses.js';
export type * from './generated/workflowexecutions.js';
export type * from './generated/kubernetesexecutions.js';
export type * from './generated/notificationrequests.js';
export * from './kinds.js';
export * from './error-catalog.js';
export * from './reasons.js';
export * from './limits.js';
export * from './conditions.js';
