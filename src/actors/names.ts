import { createHash } from 'node:crypto';

const MAX_NAME = 253;
const MAX_LABEL = 63;

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Shortens `full` to at most `max` characters, deterministically: a prefix plus a hash of the whole. */
export function shorten(full: string, max: number): string {
  if (full.length <= max) return full;
  const suffix = hash(full, 10);
  const prefix = full.slice(0, max - suffix.length - 1).replace(/[-.]+$/, '');
  return `${prefix}-${suffix}`;
}

export type NotificationType = 'approval' | 'escalation' | 'success';

/** The deterministic names of a RemediationRequest's children (shared/API.md, Kinds). */
export const childNames = {
  processing: (rr: string) => shorten(`${rr}-processing`, MAX_NAME),
  analysis: (rr: string) => shorten(`${rr}-aianalysis`, MAX_NAME),
  workflow: (rr: string) => shorten(`${rr}-workflow`, MAX_NAME),
  execution: (rr: string, step: string) => shorten(`${rr}-step-${step}`, MAX_NAME),
  notification: (rr: string, type: NotificationType) => shorten(`${rr}-${type}`, MAX_NAME),
};

/** A label value naming the request: its name when it fits 63 characters, else a shortened form. */
export function requestLabelValue(rr: string): string {
  return shorten(rr, MAX_LABEL).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
