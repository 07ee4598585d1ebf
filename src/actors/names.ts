import { LIMITS } from '../api/index.js';
import { shorten } from '../util/shorten.js';

const MAX_NAME = LIMITS.objectName.max;
const MAX_LABEL = LIMITS.labelValue.max;

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
