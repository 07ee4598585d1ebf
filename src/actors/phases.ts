import { TERMINAL_PHASES, type RemediationRequestStatus } from '../api/index.js';

export type Phase = NonNullable<RemediationRequestStatus['phase']>;
export type TimeoutKey =
  'global' | 'processing' | 'analyzing' | 'awaitingApproval' | 'workflowPlanning' | 'executing';
export type Timeouts = Record<TimeoutKey, number>;

/** The phases a request works or waits in, in the order of API.md. */
export const ACTIVE_PHASES = [
  'Pending',
  'Blocked',
  'Initializing',
  'Processing',
  'Analyzing',
  'AwaitingApproval',
  'WorkflowPlanning',
  'Executing',
] as const satisfies readonly Phase[];
export const PHASES: readonly Phase[] = [...ACTIVE_PHASES, ...TERMINAL_PHASES];
/** The phases in which a request works (may create children), as opposed to waiting or ended. */
export const WORKING_PHASES: readonly Phase[] = ACTIVE_PHASES.filter(
  (p) => p !== 'Pending' && p !== 'Blocked',
);
export const TIMEOUT_KEYS: readonly TimeoutKey[] = [
  'global',
  'processing',
  'analyzing',
  'awaitingApproval',
  'workflowPlanning',
  'executing',
];

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_PHASES);
export const isTerminal = (phase: Phase | undefined): boolean => phase !== undefined && TERMINAL.has(phase);

/** The timeout that bounds each active phase; Pending and Initializing count as processing; Blocked none. */
export const PHASE_TIMEOUT: Partial<Record<Phase, TimeoutKey>> = {
  Pending: 'processing',
  Initializing: 'processing',
  Processing: 'processing',
  Analyzing: 'analyzing',
  AwaitingApproval: 'awaitingApproval',
  WorkflowPlanning: 'workflowPlanning',
  Executing: 'executing',
};

/** Progress shown on entering each phase; Executing adds the share of completed steps. */
export const PHASE_PROGRESS: Record<Phase, number> = {
  Pending: 0,
  Blocked: 0,
  Initializing: 5,
  Processing: 10,
  Analyzing: 30,
  AwaitingApproval: 40,
  WorkflowPlanning: 45,
  Executing: 50,
  Completed: 100,
  Failed: 0,
  TimedOut: 0,
  Cancelled: 0,
  Skipped: 0,
};
