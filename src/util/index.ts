// Small shared pieces with no domain in them: the injectable clock, backoff, Go-style durations,
// the order of resourceVersions, deterministic shortening of names, fitting text to a
// schema's limits.
export { systemClock, sleep, type Clock } from './clock.js';
export { backoffDelay, type BackoffPolicy } from './backoff.js';
export { formatDuration, parseDuration } from './duration.js';
export { isNewerResourceVersion } from './resource-version.js';
export { codePoints, fitText, joinFitted, type MaxLength } from './fit.js';
export { shorten } from './shorten.js';
export { MAX_TIMEOUT_MS, setClampedTimeout, type TimerHandle } from './timer.js';
