// A list-then-watch loop over one kind, feeding an IndexedStore (indexed-store.ts), with what
// client-node's own informer lacks: watch bookmarks, relist after 410 Gone, restart with capped
// backoff and jitter after any error, paged lists, and handlers that can never throw into the watch
// loop. Lists and watches go through KubeHttp, not client-node's CustomObjectsApi and Watch (see
// kube-http.ts for why).
import type { KubeSource } from './cluster-access.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import type { Clock } from '../util/clock.js';
import { setClampedTimeout, type TimerHandle } from '../util/timer.js';
import {
  IndexedStore,
  type Admission,
  type Indexer,
  type KubeObject,
  type StoreEventType,
} from './indexed-store.js';
import { KubeHttp, type Query } from './kube-http.js';
import { OrchestratorError, classify, httpStatusOf } from './errors.js';

export type { Admission, Indexer, KubeObject };
export type InformerEventType = StoreEventType;
export type InformerHandler<T> = (type: InformerEventType, object: T, previous: T | undefined) => void;

export interface ResourceCoordinates {
  group: string;
  version: string;
  plural: string;
  /** Watch one namespace; all namespaces when absent. */
  namespace?: string;
}

export interface InformerOptions<T> {
  kubeConfig: KubeSource;
  resource: ResourceCoordinates;
  clock: Clock;
  backoff: BackoffPolicy;
  labelSelector?: string;
  pageSize?: number;
  indexers?: Record<string, Indexer<T>>;
  /** Applied to every listed and watched object before it is stored, indexed or handed to handlers. */
  transform?: (object: T) => T;
  /**
   * Which objects (after `transform`) are kept at all: the others are dropped as each list page
   * arrives, and one already stored whose new version is refused is reported deleted.
   */
  admit?: Admission<T>;
  /**
   * A watch silent for this long is presumed dead and restarted. The server sends a bookmark about once
   * a minute, so the default of 150 s tolerates one lost bookmark without cutting a healthy watch.
   */
  watchInactivityMs?: number;
  /** Told of every failure of the list or the watch, and of every handler that threw. */
  onError?: (error: unknown, context: { phase: 'list' | 'watch' | 'handler'; retryInMs?: number }) => void;
  /** Told when a list or a watch connection starts, for metrics. */
  onConnect?: (phase: 'list' | 'watch') => void;
}

interface ListResult<T> {
  items: T[];
  metadata?: { resourceVersion?: string; continue?: string };
}

class GoneError extends Error {}

/** How long after its timeoutSeconds a watch may still end on its own before it is presumed dead. */
const WATCH_END_MARGIN_MS = 30_000;

export class Informer<T extends KubeObject> {
  private readonly store: IndexedStore<T>;
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly http: KubeHttp;
  private resourceVersion = '';
  private attempt = 0;
  private stopped = true;
  private request: { abort(): void } | undefined;
  private timer: TimerHandle | undefined;
  private syncedOnce: Promise<void>;
  private resolveSynced!: () => void;
  hasSynced = false;

  constructor(private readonly options: InformerOptions<T>) {
    this.http = new KubeHttp(options.kubeConfig);
    this.syncedOnce = new Promise((resolve) => (this.resolveSynced = resolve));
    this.store = new IndexedStore(
      options.indexers,
      (type, object, previous) => this.emit(type, object, previous),
      options.admit,
    );
  }

  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  start(): Promise<void> {
    if (this.stopped) {
      this.stopped = false;
      this.relist();
    }
    return this.syncedOnce;
  }

  stop(): void {
    this.stopped = true;
    this.request?.abort();
    this.request = undefined;
    this.timer?.cancel();
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespace, name);
  }

  list(): T[] {
    return this.store.list();
  }

  get size(): number {
    return this.store.size;
  }

  byIndex(index: string, value: string): T[] {
    return this.store.byIndex(index, value);
  }

  /** How many values of the index `index` have objects stored under them. */
  indexedValues(index: string): number {
    return this.store.indexedValues(index);
  }

  /** Drops `object` from the cache, telling no handler (IndexedStore.forget). */
  forget(object: T): boolean {
    return this.store.forget(object);
  }

  latestResourceVersion(): string {
    return this.resourceVersion;
  }

  private path(): string {
    const { group, version, plural, namespace } = this.options.resource;
    return namespace
      ? `/apis/${group}/${version}/namespaces/${namespace}/${plural}`
      : `/apis/${group}/${version}/${plural}`;
  }

  private retry(phase: 'list' | 'watch', error: unknown, relist: boolean): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.options.backoff, this.attempt++);
    this.options.onError?.(error, { phase, retryInMs: delay });
    this.timer = setClampedTimeout(
      this.options.clock,
      () => {
        this.timer = undefined;
        if (relist) this.relist();
        else this.watch();
      },
      delay,
    );
  }

  private relist(): void {
    if (this.stopped) return;
    this.options.onConnect?.('list');
    this.listAll().then(
      (list) => {
        if (this.stopped) return;
        this.store.replace(list.items);
        this.resourceVersion = list.metadata?.resourceVersion ?? '';
        if (!this.hasSynced) {
          this.hasSynced = true;
          this.resolveSynced();
        }
        this.watch();
      },
      (err: unknown) => this.retry('list', classify(err, `list ${this.path()}`), true),
    );
  }

  private async listAll(): Promise<ListResult<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const query = {
        labelSelector: this.options.labelSelector,
        limit: this.options.pageSize ?? 500,
        continue: cont,
      };
      const result = await this.http.request<ListResult<T>>('GET', this.path(), { query });
      // Per page, so that a relist never holds a whole kind untransformed, nor what is not kept.
      for (const item of result.items) {
        const kept = this.transformed(item);
        if (!this.options.admit || this.options.admit(kept)) items.push(kept);
      }
      cont = result.metadata?.continue || undefined;
      resourceVersion = result.metadata?.resourceVersion;
    } while (cont);
    return { items, metadata: { resourceVersion } };
  }

  private watch(): void {
    if (this.stopped) return;
    this.options.onConnect?.('watch');
    let ended = false;
    const end = (err: unknown): void => {
      if (ended) return;
      ended = true;
      this.request = undefined;
      if (this.stopped) return;
      if (err instanceof GoneError || (err as { code?: number; statusCode?: number })?.statusCode === 410) {
        this.resourceVersion = '';
        this.relist();
      } else if (err && (err as Error).name !== 'TimeoutError' && (err as Error).name !== 'AbortError') {
        const detail = err instanceof Error ? err.message : JSON.stringify(err);
        const lost = `watch ${this.path()} ended (${detail}); re-watching with backoff`;
        this.retry(
          'watch',
          new OrchestratorError('WATCH_LOST', lost, httpStatusOf(err), { cause: err }),
          false,
        );
      } else {
        this.watch();
      }
    };
    // The server closes the watch after this; a fresh one starts from the last resourceVersion.
    const timeoutSeconds = 240 + Math.floor(Math.random() * 120);
    const query: Query = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
    };
    if (this.options.labelSelector) query.labelSelector = this.options.labelSelector;
    const started = this.http.watch<T & { code?: number }>(
      this.path(),
      query,
      (type, object) => {
        if (ended) return;
        if (type === 'ERROR') {
          const gone = object.code === 410;
          const abort = this.request;
          end(
            gone
              ? new GoneError('resourceVersion too old')
              : Object.assign(new Error(`watch error: ${JSON.stringify(object)}`), { code: object.code }),
          );
          abort?.abort();
          return;
        }
        this.attempt = 0;
        const rv = object.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (type === 'ADDED' || type === 'MODIFIED') this.store.upsert(this.transformed(object));
        else if (type === 'DELETED') this.store.remove(this.transformed(object));
      },
      (err) => end(err),
      {
        // Silent past the end the server was asked for, it cannot be alive, whatever the setting.
        inactivityMs: Math.min(
          this.options.watchInactivityMs ?? 150_000,
          timeoutSeconds * 1000 + WATCH_END_MARGIN_MS,
        ),
      },
    );
    started.then(
      (req) => {
        if (ended || this.stopped) req.abort();
        else this.request = req;
      },
      (err: unknown) => end(err ?? new Error('watch could not start')),
    );
  }

  private transformed(object: T): T {
    return this.options.transform ? this.options.transform(object) : object;
  }

  private emit(type: InformerEventType, object: T, previous: T | undefined): void {
    for (const handler of this.handlers) {
      try {
        handler(type, object, previous);
      } catch (err) {
        this.options.onError?.(err, { phase: 'handler' });
      }
    }
  }
}
