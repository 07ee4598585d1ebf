// Storm protection with every rule off, for tests that are about something else (or turn one rule on).
import type { RoutingSettings } from '../../src/actors/routing.js';

export const STORM_OFF: RoutingSettings = {
  deduplicate: false,
  serializeTargets: false,
  consecutiveFailures: 0,
  failureCooldownMs: 0,
  recentlyRemediatedMs: 0,
  maxExecuting: 0,
  stormThreshold: 0,
  maxBlockedMs: 0,
};
