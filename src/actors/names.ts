import { LIMITS } from '../api/index.js';
import { hash, shorten } from '../util/shorten.js';

const MAX_NAME = LIMITS.objectName.max;
const MAX_LABEL = LIMITS.labelValue.max;

/** The types of NotificationRequest of API.md; a new type is one more entry here. */
export const NOTIFICATION_TYPES = ['approval', 'escalation', 'success', 'storm'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * `<rr>-<type>-<uid8>`: notifications outlive their request, so a request that reuses a deleted one's
 * name must not meet the old one's notification. The first 8 characters of the request's UID stay
 * readable at the end when the rest is shortened.
 */
function notificationName(rr: string, type: NotificationType, uid: string): string {
  const uid8 = uid.slice(0, 8);
  if (!uid8) return shorten(`${rr}-${type}`, MAX_NAME);
  return `${shorten(`${rr}-${type}`, MAX_NAME - uid8.length - 1)}-${uid8}`;
}

/** The deterministic names of a RemediationRequest's children (shared/API.md, Kinds). */
export const childNames = {
  processing: (rr: string) => shorten(`${rr}-processing`, MAX_NAME),
  analysis: (rr: string) => shorten(`${rr}-aianalysis`, MAX_NAME),
  workflow: (rr: string) => shorten(`${rr}-workflow`, MAX_NAME),
  execution: (rr: string, step: string) => shorten(executionName(rr, step), MAX_NAME),
  notification: notificationName,
};

const STEP_SEPARATOR = '-step-';

/** How often `separator` occurs in `text`, overlapping occurrences included. */
function occurrences(text: string, separator: string): number {
  let count = 0;
  for (let at = text.indexOf(separator); at >= 0; at = text.indexOf(separator, at + 1)) count++;
  return count;
}

/**
 * `<rr>-step-<step>` when that name contains `-step-` only once: then it splits back into one
 * request name and one step name, so no other pair has it. Otherwise (request `a` with step
 * `x-step-y` and request `a-step-x` with step `y` would both be `a-step-x-step-y`) a hash of the
 * pair follows; such a name contains `-step-` at least twice, so it is never a plain one either.
 */
function executionName(rr: string, step: string): string {
  const plain = `${rr}${STEP_SEPARATOR}${step}`;
  if (occurrences(plain, STEP_SEPARATOR) === 1) return plain;
  return `${plain}-${hash(JSON.stringify([rr, step]), 10)}`;
}

/** A label value naming the request: its name when it fits 63 characters, else a shortened form. */
export function requestLabelValue(rr: string): string {
  return shorten(rr, MAX_LABEL).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
