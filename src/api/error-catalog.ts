// The error catalog: the seed's categories A-F and every error code, each code marked retryable or
// terminal. The request reasons (./reasons.ts) name the category, and where one applies the code, that
// produces them. Here, below src/k8s and src/actors, so that both can read one table; docs/errors.md
// lists the same rows and test/unit/error-catalog.test.ts keeps the two in step.

/** The seed's error categories (DESIGN.md): what went wrong, and what the orchestrator does about it. */
export const CATEGORIES = {
  A: {
    name: 'ChildNotFound',
    means: 'a child is not in the API server (not created yet, or deleted)',
    action: 'create it, or wait for the informer',
  },
  B: {
    name: 'ApiUnavailable',
    means: 'the API server is unavailable, timed out, throttled us (429) or failed (5xx)',
    action: 'retry with exponential backoff and jitter, bounded',
  },
  C: {
    name: 'InvalidSpec',
    means: 'invalid spec or targeting data, or an object the API server refuses for good',
    action: 'fail the request with a clear reason and escalate',
  },
  D: {
    name: 'WatchLost',
    means: 'a watch ended with an error',
    action: 'the informer restarts itself with backoff and relists; actors resync from the cache',
  },
  E: {
    name: 'Conflict',
    means: 'a 409 conflict on a write: the object changed since it was read',
    action: 're-read, re-apply, retry (bounded)',
  },
  F: {
    name: 'ChildFailed',
    means: 'a child reported Failed (or the analysis Rejected)',
    action: 'fail the request and escalate',
  },
} as const satisfies Record<string, { name: string; means: string; action: string }>;

export type Category = keyof typeof CATEGORIES;

/**
 * Every error code the orchestrator raises. `category` is null for an error outside the seed's
 * categories: a bad configuration (it stops the process before any request is seen), or a bug of the
 * orchestrator itself (an actor that keeps crashing).
 */
export const ERROR_CODES = {
  CHILD_NOT_FOUND: {
    category: 'A',
    retryable: true,
    what: 'a child to adopt (AlreadyExists on create) vanished before it could be read',
  },
  GONE: { category: 'A', retryable: false, what: 'the object was deleted (404) while we wrote it' },
  API_UNAVAILABLE: {
    category: 'B',
    retryable: true,
    what: 'the API server did not answer, timed out, throttled us (429) or failed (5xx)',
  },
  FORBIDDEN: {
    category: 'B',
    retryable: true,
    what: 'RBAC refused the call; it is retried with backoff until the Role is fixed',
  },
  INVALID_OBJECT: {
    category: 'C',
    retryable: false,
    what: 'the API server refused an object for good: invalid (400/422) or any other 4xx but 401/403/404/409/429',
  },
  OBJECT_TOO_LARGE: {
    category: 'C',
    retryable: false,
    what: "an object is too large to store: the API server's body limit (413) or etcd's request limit",
  },
  CHILD_CONFLICT: {
    category: 'C',
    retryable: false,
    what: 'a child with our deterministic name exists but belongs to another owner',
  },
  WATCH_LOST: {
    category: 'D',
    retryable: true,
    what: 'a watch ended with an error; the informer re-watches with backoff',
  },
  STATUS_CONFLICT: {
    category: 'E',
    retryable: true,
    what: 'the object changed under a write (409); re-read and retried',
  },
  ACTOR_STOPPED: {
    category: null,
    retryable: false,
    what: "a request's actor crashed more than --actor-max-restarts times; it stays stopped until the request changes",
  },
  CONFIG_INVALID: {
    category: null,
    retryable: false,
    what: 'a flag or environment variable is invalid (ConfigError in src/config.ts); the process exits',
  },
} as const satisfies Record<string, { category: Category | null; retryable: boolean; what: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
