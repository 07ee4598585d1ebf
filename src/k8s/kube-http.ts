// A thin JSON client for the Kubernetes API on undici's request(). client-node's typed APIs run every
// body through ObjectSerializer, and its Watch goes fetch -> web streams -> Readable.fromWeb -> readline
// with a timer reset per line: together about a third of the orchestrator's CPU. Server, TLS and auth
// come from a ClusterAccess (in a pod), or from a KubeConfig through client-node's own
// applySecurityAuthentication; client-node is imported only in that second case (cluster-access.ts).
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { getGlobalDispatcher, request as undiciRequest } from 'undici';
import { isClusterAccess, type Credentials, type KubeSource } from './cluster-access.js';
import { withConnectionReuse } from './connection-reuse.js';
import { FencedWriteError, fencedDispatcher } from './write-fence.js';

export type Query = Record<string, string | number | boolean | undefined>;
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const ContentType = {
  json: 'application/json',
  mergePatch: 'application/merge-patch+json',
  jsonPatch: 'application/json-patch+json',
} as const;

export interface RequestOptions {
  query?: Query;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  /** Default application/json; ContentType.mergePatch for a merge patch. */
  contentType?: string;
  /**
   * The call rejects with the signal's reason as soon as it aborts. The request itself is not torn
   * down before its response headers (see `watch`); its late answer is read and dropped.
   */
  signal?: AbortSignal;
}

export interface WatchOptions {
  /** The watch ends with a TimeoutError after this long without a byte from the server. */
  inactivityMs?: number;
}

export interface WatchHandle {
  abort(): void;
}

export interface KubeHttpOptions {
  /** How long resolved auth headers and dispatcher are reused before asking the KubeConfig again. */
  authCacheMs?: number;
  /** Overrides the source's request timeout (setRequestTimeout) for this client. */
  requestTimeoutMs?: number;
  /** Not subject to fenceWrites (leader election's own calls on its Lease). */
  unfenced?: boolean;
}

const fences = new WeakMap<KubeSource, () => boolean>();
const requestTimeouts = new WeakMap<KubeSource, number>();

/**
 * Every KubeHttp of this KubeConfig (or ClusterAccess) asks `gate` before it hands a write (not a GET) to
 * undici, after auth is resolved (which may itself wait), and again as undici is about to send it
 * (./write-fence.ts). A closed gate fails the call unsent.
 */
export function fenceWrites(source: KubeSource, gate: () => boolean): void {
  fences.set(source, gate);
}

/**
 * Every KubeHttp of this KubeConfig (or ClusterAccess) gives a call up after `ms` without its response
 * headers, or between two parts of its body; a watch, after `ms` without its headers. undici's own
 * bounds are 300 s, and a connection that silently died held calls that long.
 */
export function setRequestTimeout(source: KubeSource, ms: number): void {
  requestTimeouts.set(source, ms);
}

/** A call given up after the request timeout; classified API_UNAVAILABLE (no answer), so retried. */
export class RequestTimeoutError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RequestTimeoutError';
  }
}

const UNDICI_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** A non-2xx answer. `body` is the server's Status object, or its text when that is not JSON. */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: unknown,
    message: string,
    /** The Retry-After header of a 429 or 503, in seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  /** client-node's ApiException carries the status as `code`: code written against it keeps working. */
  get code(): number {
    return this.statusCode;
  }
}

interface Connection extends Credentials {
  expiresAt: number;
}

const DEFAULT_AUTH_CACHE_MS = 5_000;
const DEFAULT_WATCH_INACTIVITY_MS = 30_000;
/** As --request-timeout's default (src/config/settings.ts), for clients built without the setting. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class KubeHttp {
  private readonly authCacheMs: number;
  private readonly unfenced: boolean;
  private readonly requestTimeoutMs: number | undefined;
  private connection: Connection | undefined;
  private resolving: Promise<Connection> | undefined;

  constructor(
    private readonly source: KubeSource,
    options: KubeHttpOptions = {},
  ) {
    // Without it every refresh of the auth below would build a new Agent, so a new TLS connection.
    withConnectionReuse(source);
    this.authCacheMs = options.authCacheMs ?? DEFAULT_AUTH_CACHE_MS;
    this.unfenced = options.unfenced ?? false;
    this.requestTimeoutMs = options.requestTimeoutMs;
  }

  /** Read per call: the orchestrator sets it on the source after some clients of it exist. */
  private get timeoutMs(): number {
    return this.requestTimeoutMs ?? requestTimeouts.get(this.source) ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** JSON in, JSON out. Throws a KubeApiError on a non-2xx answer; a connection failure as it comes. */
  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const { signal } = options;
    if (!signal) return this.send<T>(method, path, options);
    signal.throwIfAborted();
    const call = this.send<T>(method, path, options);
    let onAbort: () => void = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    call.catch(() => {});
    try {
      return await Promise.race([call, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async send<T>(method: Method, path: string, options: RequestOptions): Promise<T> {
    const connection = await this.connect();
    const gate = method !== 'GET' && !this.unfenced ? fences.get(this.source) : undefined;
    if (gate && !gate()) throw new FencedWriteError(`${method} ${path}`);
    const dispatcher = gate
      ? fencedDispatcher(connection.dispatcher ?? getGlobalDispatcher(), gate)
      : connection.dispatcher;
    const timeoutMs = this.timeoutMs;
    let answer: Answer;
    try {
      answer = await exchange({ ...connection, dispatcher }, method, path, options, timeoutMs);
    } catch (err) {
      if (!UNDICI_TIMEOUTS.has((err as { code?: string }).code ?? '')) throw err;
      throw new RequestTimeoutError(
        `${method} ${path}: no answer from the API server within ${timeoutMs} ms (--request-timeout)`,
        { cause: err },
      );
    }
    const { statusCode, headers, text } = answer;
    if (statusCode < 200 || statusCode >= 300)
      throw apiError(method, path, statusCode, text, retryAfterSeconds(headers['retry-after']));
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * GET `path` with watch=true and calls `onEvent` with each event's type (ADDED, MODIFIED, DELETED,
   * BOOKMARK, ERROR) and object. `onDone` is called exactly once: null when the server closed the watch
   * or abort() was called; a KubeApiError for a non-200 answer; an Error named TimeoutError after
   * `inactivityMs` of silence; otherwise the connection's or the handler's error. Rejects only when
   * the KubeConfig cannot give credentials.
   */
  async watch<T>(
    path: string,
    query: Query,
    onEvent: (type: string, object: T) => void,
    onDone: (err: Error | null) => void,
    options: WatchOptions = {},
  ): Promise<WatchHandle> {
    const connection = await this.connect();
    const inactivityMs = options.inactivityMs ?? DEFAULT_WATCH_INACTIVITY_MS;
    let finished = false;
    let lastActivity = Date.now();
    let body: Readable | undefined;

    // No AbortSignal: an HTTP/2 request aborted before its response headers makes Node create an
    // orphan stream when they arrive, with no 'error' listener, which crashes the process when the
    // session fails later (undici 8.13, Node 24). A watch ended early drops its body once they come.
    const finish = (err: Error | null, deferred = false): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      body?.destroy();
      if (deferred) queueMicrotask(() => onDone(err));
      else onDone(err);
    };
    // One timer for the whole watch, re-armed only when it fires: no timer work per line.
    const checkActivity = (): void => {
      const idle = Date.now() - lastActivity;
      if (idle >= inactivityMs)
        finish(
          Object.assign(new Error(`watch ${path}: nothing received for ${inactivityMs} ms`), {
            name: 'TimeoutError',
          }),
        );
      else timer = setTimeout(checkActivity, inactivityMs - idle).unref();
    };
    let timer = setTimeout(checkActivity, inactivityMs).unref();

    undiciRequest(connection.server + path + queryString({ ...query, watch: true }), {
      method: 'GET',
      dispatcher: connection.dispatcher,
      headers: connection.headers,
      headersTimeout: this.timeoutMs,
      // The inactivity check above replaces undici's own body timeout (300 s by default).
      bodyTimeout: 0,
    }).then(
      (response) => {
        lastActivity = Date.now();
        body = response.body;
        body.on('error', (err: Error) => finish(err));
        if (finished) {
          body.destroy();
          return;
        }
        if (response.statusCode !== 200) {
          response.body.text().then(
            (text) => finish(apiError('GET', path, response.statusCode, text)),
            () => finish(apiError('GET', path, response.statusCode, '')),
          );
          return;
        }
        body.on('end', () => finish(null));
        body.on('close', () => finish(null));
        readLines(
          body,
          (line) => {
            if (finished) return;
            try {
              const event = JSON.parse(line) as { type: string; object: T };
              onEvent(event.type, event.object);
            } catch (err) {
              // Skipping an event would leave a cache silently stale: end, and resume from the last one.
              finish(err instanceof Error ? err : new Error(String(err)));
            }
          },
          () => (lastActivity = Date.now()),
        );
      },
      (err: Error) => finish(err),
    );

    // Quietly: no event after abort(), and onDone(null) only once the caller's own code has run.
    return { abort: () => finish(null, true) };
  }

  /** Auth headers and dispatcher, reused for authCacheMs so that rotating tokens are still picked up. */
  private async connect(): Promise<Connection> {
    const cached = this.connection;
    if (cached && Date.now() < cached.expiresAt) return cached;
    this.resolving ??= this.resolveConnection().finally(() => (this.resolving = undefined));
    return (this.connection = await this.resolving);
  }

  private async resolveConnection(): Promise<Connection> {
    const credentials = isClusterAccess(this.source)
      ? await this.source.credentials()
      : await kubeConfigCredentials(this.source);
    return {
      ...credentials,
      headers: { ...credentials.headers, accept: ContentType.json },
      expiresAt: Date.now() + this.authCacheMs,
    };
  }
}

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One call, its whole body read; undici's own timeouts set to `timeoutMs`. */
async function exchange(
  connection: Credentials,
  method: Method,
  path: string,
  options: RequestOptions,
  timeoutMs: number,
): Promise<Answer> {
  const { body } = options;
  const response = await undiciRequest(connection.server + path + queryString(options.query), {
    method,
    dispatcher: connection.dispatcher,
    headers:
      body === undefined
        ? connection.headers
        : { ...connection.headers, 'content-type': options.contentType ?? ContentType.json },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    // On HTTP/2 a timed-out stream is reset alone, and undici PINGs its connection: one that does not
    // answer either is dropped, with every call and watch on it.
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  return { statusCode: response.statusCode, headers: response.headers, text: await response.body.text() };
}

async function kubeConfigCredentials(kubeConfig: KubeConfig): Promise<Credentials> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the KubeConfig has no current cluster');
  const server = cluster.server.replace(/\/+$/, '');
  // Loaded already: whoever made the KubeConfig imported it.
  const { HttpMethod, RequestContext } = await import('@kubernetes/client-node');
  const context = new RequestContext(server, HttpMethod.GET);
  await kubeConfig.applySecurityAuthentication(context);
  return {
    server,
    headers: context.getHeaders(),
    dispatcher: context.getDispatcher(),
  };
}

/**
 * Calls `onLine` with every non-empty line of a UTF-8 stream, joining lines and characters split
 * across reads; `onData` is told of every read.
 */
export function readLines(stream: Readable, onLine: (line: string) => void, onData?: () => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    onData?.();
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      const line = pending + chunk.slice(start, end);
      pending = '';
      start = end + 1;
      if (line) onLine(line);
    }
    pending += chunk.slice(start);
  });
}

function queryString(query: Query | undefined): string {
  let out = '';
  for (const key in query) {
    const value = query[key];
    if (value === undefined) continue;
    out += `${out ? '&' : '?'}${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
  }
  return out;
}

/** Retry-After in seconds; the HTTP-date form is not sent by kube-apiserver and is ignored. */
function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  return Number(text);
}

function apiError(
  method: string,
  path: string,
  statusCode: number,
  text: string,
  retryAfter?: number,
): KubeApiError {
  let body: unknown = text;
  let reason = text.trim().slice(0, 200) || STATUS_CODES[statusCode] || 'no reason given';
  try {
    body = JSON.parse(text);
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string') reason = message;
  } catch {
    // Not JSON: keep the text.
  }
  return new KubeApiError(statusCode, body, `${method} ${path}: ${statusCode} ${reason}`, retryAfter);
}
