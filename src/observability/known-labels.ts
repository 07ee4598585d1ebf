// The label values a metric can take that are known before anything happens. createMetrics exports
// their series at 0 from the start: a counter series that first appears at 1 has no earlier sample,
// so increase() and rate() miss that first event and an alert on it never fires for the first one.
import {
  CHILD_KINDS,
  ERROR_CODES,
  KINDS,
  REQUEST_REASONS,
  type NotificationRequestSpec,
} from '../api/index.js';
import { ACTIVE_PHASES, PHASE_TIMEOUT } from '../actors/phases.js';
import type { RemediationApiObserver } from '../cluster/remediation-api.js';

export type LabelSet = Record<string, string>;

/** Every combination of the values of each label: `{a: [1, 2], b: [3]}` gives `{a: 1, b: 3}, {a: 2, b: 3}`. */
export function combinations(values: Record<string, readonly string[]>): LabelSet[] {
  return Object.entries(values).reduce<LabelSet[]>(
    (sets, [label, each]) => sets.flatMap((set) => each.map((value) => ({ ...set, [label]: value }))),
    [{}],
  );
}

const reasons = Object.entries(REQUEST_REASONS);
type StatusResult = Parameters<NonNullable<RemediationApiObserver['statusUpdate']>>[0];
const statusResults = { success: 0, conflict: 0, failure: 0 } satisfies Record<StatusResult, 0>;
const notificationTypes = { approval: 0, escalation: 0, success: 0, storm: 0 } satisfies Record<
  NotificationRequestSpec['type'],
  0
>;
/** A create fails with any code of the catalog but these, which are not about writing an object. */
const createFailureCodes = Object.keys(ERROR_CODES).filter(
  (code) => !['WATCH_LOST', 'STATUS_CONFLICT', 'CONFIG_INVALID'].includes(code),
);

export const KNOWN_LABELS = {
  /** remediation_outcomes_total: each reason with the terminal phase it ends a request in. */
  outcomes: reasons
    .filter(([, r]) => r.phase !== 'Blocked')
    .map(([reason, r]) => ({ phase: r.phase, reason })),
  skipped: combinations({
    reason: reasons.filter(([, r]) => r.phase === 'Skipped').map(([reason]) => reason),
  }),
  blocked: combinations({
    reason: reasons.filter(([, r]) => r.phase === 'Blocked').map(([reason]) => reason),
  }),
  activePhases: combinations({ phase: ACTIVE_PHASES }),
  statusResults: combinations({ result: Object.keys(statusResults) }),
  notificationTypes: combinations({ type: Object.keys(notificationTypes) }),
  /** The phases a timeout bounds, and Global for the whole remediation's. */
  timeouts: combinations({ phase: [...Object.keys(PHASE_TIMEOUT), 'Global'] }),
  informerEvents: combinations({ kind: Object.keys(KINDS), type: ['ADDED', 'MODIFIED', 'DELETED'] }),
  informerErrors: combinations({ kind: Object.keys(KINDS), phase: ['list', 'watch', 'handler'] }),
  childCreateFailures: combinations({ kind: CHILD_KINDS, code: createFailureCodes }),
  actorStates: combinations({ state: ['running', 'passivated'] }),
} satisfies Record<string, LabelSet[]>;
