import type { RemediationRequest } from '../api/index.js';

const FINGERPRINT = /^[A-Za-z0-9:._-]{1,128}$/;

/** Defence in depth behind the CRD schema: why the targeting data is unusable, or undefined. */
export function targetingProblem(rr: RemediationRequest): string | undefined {
  const t = rr.spec?.targetingData;
  if (!t) return 'spec.targetingData is missing.';
  if (!t.signalFingerprint || !FINGERPRINT.test(t.signalFingerprint))
    return `spec.targetingData.signalFingerprint "${t.signalFingerprint ?? ''}" must be 1-128 characters of [A-Za-z0-9:._-].`;
  if (!t.alertName) return 'spec.targetingData.alertName is required.';
  if (!t.environment) return 'spec.targetingData.environment is required.';
  if (t.payload !== undefined && t.payload.length > 65_536)
    return `spec.targetingData.payload is ${t.payload.length} characters; at most 65536 are allowed.`;
  return undefined;
}
