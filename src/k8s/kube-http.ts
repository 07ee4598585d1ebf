// A thin JSON client for the Kubernetes API on undici's request(). client-node's typed APIs run every
// body through ObjectSerializer, and its Watch goes fetch -> web streams -> Readable.fromWeb -> readline
// with a timer reset per line: together about a third of the orchestrator's CPU. Server, TLS and auth
// still come from the KubeConfig, through client-node's own applySecurityAuthentication.
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { request as undiciRequest, type Dispatcher } from 'undici';
import { withConnectionReuse } from './connection-reuse.js';

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
  /** Not subject to fenceWrites (leader election's own calls on its Lease). */
  unfenced?: boolean;
}

const fences = new WeakMap<KubeConfig, () => boolean>();

/**
 * Every KubeHttp of this KubeConfig asks `gate` right before it sends a write (not a GET), at the last
 * moment: after auth is resolved, which may itself wait. A closed gate fails the call unsent.
 */
export function fenceWrites(kubeConfig: KubeConfig, gate: () => boolean): void {
  fences.set(kubeConfig, gate);
}

/** A non-2xx answer. `body` is the server's Status object, or its text when that is not JSON. */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }

  /** client-node's ApiException carries the status as `code`: code written against it keeps working. */
  get code(): number {
    return this.statusCode;
  }
}

interface Connection {
  server: string;
  headers: Record<string, string>;
  dispatcher: Dispatcher | undefined;
  expiresAt: number;
}

const DEFAULT_AUTH_CACHE_MS = 5_000;
const DEFAULT_WATCH_INACTIVITY_MS = 30_000;

export class KubeHttp {
  private readonly authCacheMs: number;
  private readonly unfenced: boolean;
  private connection: Connection | undefined;
  private resolving: Promise<Connection> | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    options: KubeHttpOptions = {},
  ) {
    // Without it every refresh of the auth below would build a new Agent, so a new TLS connection.
    withConnectionReuse(kubeConfig);
    this.authCacheMs = options.authCacheMs ?? DEFAULT_AUTH_CACHE_MS;
    this.unfenced = options.unfenced ?? false;
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
    if (method !== 'GET' && !this.unfenced && fences.get(this.kubeConfig)?.() === false)
      throw new Error(`${method} ${path}: refused, not sent: this replica no longer holds the leader Lease`);
    const { body } = options;
    const response = await undiciRequest(connection.server + path + queryString(options.query), {
      method,
      dispatcher: connection.dispatcher,
      headers:
        body === undefined
          ? connection.headers
          : { ...connection.headers, 'content-type': options.contentType ?? ContentType.json },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300)
      throw apiError(method, path, response.statusCode, text);
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
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the KubeConfig has no current cluster');
    const server = cluster.server.replace(/\/+$/, '');
    const context = new RequestContext(server, HttpMethod.GET);
    await this.kubeConfig.applySecurityAuthentication(context);
    return {
      server,
      headers: { ...context.getHeaders(), accept: ContentType.json },
      dispatcher: context.getDispatcher(),
      expiresAt: Date.now() + this.authCacheMs,
    };
  }
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

function apiError(method: string, path: string, statusCode: number, text: string): KubeApiError {
  let body: unknown = text;
  let reason = text.trim().slice(0, 200) || STATUS_CODES[statusCode] || 'no reason given';
  try {
    body = JSON.parse(text);
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string') reason = message;
  } catch {
    // Not JSON: keep the text.
  }
  return new KubeApiError(statusCode, body, `${method} ${path}: ${statusCode} ${reason}`);
}
