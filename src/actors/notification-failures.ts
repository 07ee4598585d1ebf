// Notifications are recorded, never blocking (shared/API.md): a NotificationRequest that the API
// server does not create holds back neither the phase nor the status. Its failure is kept here, per
// type, until the notification exists. It shows on the request as the condition NotificationFailed
// and as one Warning Event per run of failures; a permanent one is not tried again, a transient one
// (RBAC, an unavailable API server) after a backoff (machine.ts). Pure.
import { LIMITS, type RequestCondition } from '../api/index.js';
import { fitText } from '../util/fit.js';
import type { KubeEvent } from './effects.js';
import type { NotificationType } from './names.js';
import type { Observed } from './observed.js';

/** A notification the executor could not create, as it reports it. */
export interface NotificationFailure {
  type: NotificationType;
  name: string;
  /** The error code of the catalog (src/api/error-catalog.ts). */
  code: string;
  message: string;
  /** The API server refused it for good: it is not tried again. */
  permanent: boolean;
}

/** The standing failure of one type of notification, and how many attempts failed in a row. */
export interface FailedNotification {
  code: string;
  message: string;
  permanent: boolean;
  attempts: number;
}

export type FailedNotifications = Readonly<Partial<Record<NotificationType, FailedNotification>>>;

export const NO_FAILED_NOTIFICATIONS: FailedNotifications = Object.freeze({});

export const NOTIFICATION_FAILED = 'NotificationFailed' satisfies RequestCondition;

/** The failures after a batch: those reported are recorded, those of notifications created dropped. */
export function afterBatch(
  failed: FailedNotifications,
  reported: readonly NotificationFailure[],
  created: readonly NotificationType[],
): { failed: FailedNotifications; events: KubeEvent[] } {
  if (!reported.length && !created.some((type) => failed[type])) return { failed, events: [] };
  const next: Partial<Record<NotificationType, FailedNotification>> = { ...failed };
  for (const type of created) delete next[type];
  const events: KubeEvent[] = [];
  for (const f of reported) {
    const before = next[f.type];
    next[f.type] = {
      code: f.code,
      message: f.message,
      permanent: f.permanent,
      attempts: (before?.attempts ?? 0) + 1,
    };
    if (!before) events.push(failureEvent(f.type, next[f.type]!));
  }
  return { failed: next, events };
}

/** Failed attempts in a row of the notifications that will be tried again: the backoff's exponent. */
export function retryAttempts(failed: FailedNotifications): number {
  return Math.max(0, ...Object.values(failed).map((f) => (f && !f.permanent ? f.attempts : 0)));
}

/**
 * What is said of a failure; not its count of attempts, so a retry that fails alike writes nothing.
 * A notification the phase no longer calls for (an approval once the request ended) is not tried again.
 */
const sentence = (type: NotificationType, f: FailedNotification, retried = !f.permanent): string =>
  `The ${type} notification could not be created (${retried ? 'retrying with backoff' : 'not tried again'}): ${f.message}`;

function failureEvent(type: NotificationType, f: FailedNotification): KubeEvent {
  return {
    type: 'Warning',
    reason: NOTIFICATION_FAILED,
    message: fitText(sentence(type, f), LIMITS.eventMessage),
    notable: true,
  };
}

/** CamelCase of an error code, for a condition's reason: FORBIDDEN -> Forbidden. */
const camel = (code: string): string =>
  code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

export interface ConditionFields {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/**
 * The condition NotificationFailed: True while a notification of the request could not be created
 * (and does not exist), False once every one that failed exists; absent for a request whose
 * notifications never failed. `wanted`: the notifications the request still means to create.
 */
export function notificationCondition(
  failed: FailedNotifications,
  observed: Observed,
  shownBefore: boolean,
  wanted: readonly NotificationType[],
): ConditionFields | undefined {
  const standing = (Object.entries(failed) as [NotificationType, FailedNotification][]).filter(
    ([type]) => observed.notifications[type] === undefined,
  );
  if (!standing.length)
    return shownBefore
      ? { status: 'False', reason: 'NotificationsCreated', message: 'Every notification was created.' }
      : undefined;
  return {
    status: 'True',
    reason: camel(standing[0]![1].code),
    message: fitText(
      standing.map(([type, f]) => sentence(type, f, !f.permanent && wanted.includes(type))).join(' '),
      LIMITS.conditionMessage,
    ),
  };
}
