// One error catalog: stable codes, the seed's categories A-F, retryable or terminal, and a message
// that gives the rule, the value received and what to do next.
export type Category = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

export const ERROR_CODES = {
  CHILD_NOT_FOUND: {
    category: 'A',
    retryable: true,
    what: 'a child is not in the API server (not created yet, or deleted)',
  },
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
    what: 'the API server rejected an object as invalid (400/422)',
  },
  WATCH_LOST: {
    category: 'D',
    retryable: true,
    what: 'a watch ended with an error; the informer relists with backoff',
  },
  STATUS_CONFLICT: {
    category: 'E',
    retryable: true,
    what: 'the request changed under a status write (409); re-read and retried',
  },
  CHILD_FAILED: {
    category: 'F',
    retryable: false,
    what: 'a child reported Failed; the request fails and escalates',
  },
  CHILD_CONFLICT: {
    category: 'C',
    retryable: false,
    what: 'a child with our deterministic name exists but belongs to another owner',
  },
  GONE: { category: 'A', retryable: false, what: 'the object was deleted (404) while we wrote it' },
} as const satisfies Record<string, { category: Category; retryable: boolean; what: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class OrchestratorError extends Error {
  readonly category: Category;
  readonly retryable: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OrchestratorError';
    this.category = ERROR_CODES[code].category;
    this.retryable = ERROR_CODES[code].retryable;
  }
}

/** The HTTP status of a client-node error, or undefined for a connection-level failure. */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } };
  for (const v of [e?.code, e?.statusCode, e?.response?.statusCode]) if (typeof v === 'number') return v;
  return undefined;
}

function serverMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String(body.message);
  return err instanceof Error ? err.message : String(err);
}

/** Classifies an error of an API call on `what` (e.g. "create AIAnalysis ns/name"). */
export function classify(err: unknown, what: string): OrchestratorError {
  if (err instanceof OrchestratorError) return err;
  const status = httpStatusOf(err);
  const detail = serverMessage(err);
  const make = (code: ErrorCode, text: string) =>
    new OrchestratorError(code, `${what}: ${text}`, status, { cause: err });
  if (status === undefined)
    return make('API_UNAVAILABLE', `no answer from the API server (${detail}); retrying with backoff`);
  if (status === 429 || status >= 500)
    return make('API_UNAVAILABLE', `the API server answered ${status} (${detail}); retrying with backoff`);
  if (status === 401 || status === 403)
    return make(
      'FORBIDDEN',
      `the API server answered ${status} (${detail}); grant the orchestrator the verbs of config/rbac/role.yaml`,
    );
  if (status === 404) return make('GONE', `not found (${detail})`);
  if (status === 409) return make('STATUS_CONFLICT', `conflict (${detail})`);
  if (status === 400 || status === 422) return make('INVALID_OBJECT', `rejected as invalid (${detail})`);
  return make('API_UNAVAILABLE', `unexpected answer ${status} (${detail})`);
}
