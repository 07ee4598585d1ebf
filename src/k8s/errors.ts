// The error a call on the API server ends with: a code of the catalog (src/api/error-catalog.ts), its
// category and whether it is retryable, and a message that gives what was attempted, what the API
// server answered and what happens next. `classify` maps any failure of a call onto the catalog.
import { ERROR_CODES, type Category, type ErrorCode } from '../api/error-catalog.js';

export { ERROR_CODES, type Category, type ErrorCode };

/** The codes a call can fail with: not CONFIG_INVALID (ConfigError's, raised before any call) nor ACTOR_STOPPED. */
export type CallErrorCode = Exclude<ErrorCode, 'CONFIG_INVALID' | 'ACTOR_STOPPED'>;

export class OrchestratorError extends Error {
  readonly category: Category;
  readonly retryable: boolean;
  constructor(
    readonly code: CallErrorCode,
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

/**
 * etcd refuses an object above its request limit (1.5 MiB by default); kube-apiserver passes that on
 * as a 500 with this message (seen on v1.35), while its own body limit (3 MiB) answers 413.
 */
const ETCD_TOO_LARGE = /etcdserver: request is too large/;

/** Classifies an error of an API call on `what` (e.g. "create AIAnalysis ns/name"). */
export function classify(err: unknown, what: string): OrchestratorError {
  if (err instanceof OrchestratorError) return err;
  const status = httpStatusOf(err);
  const detail = serverMessage(err);
  const make = (code: CallErrorCode, text: string) =>
    new OrchestratorError(code, `${what}: ${text}`, status, { cause: err });
  if (status === undefined)
    return make('API_UNAVAILABLE', `no answer from the API server (${detail}); retrying with backoff`);
  if (status === 413 || (status === 500 && ETCD_TOO_LARGE.test(detail)))
    return make('OBJECT_TOO_LARGE', `too large to store (${status}: ${detail}); it is not tried again`);
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
  if (status >= 400)
    return make('INVALID_OBJECT', `refused for good (${status}: ${detail}); it is not tried again`);
  return make('API_UNAVAILABLE', `unexpected answer ${status} (${detail})`);
}

/**
 * How long the API server asked the caller to wait before trying again, in ms: its Retry-After
 * header (KubeApiError.retryAfterSeconds) or the Status object's details.retryAfterSeconds.
 */
export function retryAfterMsOf(err: unknown): number | undefined {
  const e = err as { retryAfterSeconds?: unknown; body?: unknown };
  let body = e?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      body = undefined;
    }
  }
  const details = (body as { details?: { retryAfterSeconds?: unknown } } | undefined)?.details;
  for (const seconds of [e?.retryAfterSeconds, details?.retryAfterSeconds])
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  return undefined;
}
