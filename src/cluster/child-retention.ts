// Which children the caches keep: those of the requests they hold. NotificationRequests are not owned
// (shared/API.md), so they outlive their request on the server, and so do the working children where
// no garbage collector runs; caches that kept them would grow by every request ever made (about
// 600,000 NotificationRequests a day at 7 requests/s). The actors read only the children of requests
// in the cache (Caches.view), so:
// - when a request leaves the cache (deleted, or its name found with a new UID by a relist), its
//   children are dropped from every child cache at once;
// - a child whose request the cache does not hold is kept for a grace period, since its request may
//   still be on its way on the other watch (each kind comes on its own), and dropped after it unless
//   the request has come;
// - at start, the children listed before the requests were, whose request is not in that list, are
//   dropped once the requests have synced: their request was deleted before the list.
// A dropped child is forgotten silently (it still exists on the server; no one needs it). A later
// version of it, from the watch or a relist, is stored again and goes through the same rules.
import type { KubeObject } from '../k8s/indexed-store.js';
import type { Clock } from '../util/clock.js';
import { setClampedTimeout, type TimerHandle } from '../util/timer.js';
import { ownerUid } from './owner.js';

/**
 * The least a child waits for its request before it is dropped. A request's own watch event trails
 * its child's by the time between two watch deliveries: milliseconds, or a re-watch after a lost
 * watch (the informer backoff, at most 30 s by default). Caches wait four times the longest backoff,
 * and never less than this.
 */
export const ORPHAN_GRACE_MS = 120_000;

/** What ChildRetention needs of one child informer. */
export interface ChildStore {
  get(namespace: string | undefined, name: string): KubeObject | undefined;
  list(): KubeObject[];
  byIndex(index: string, value: string): KubeObject[];
  forget(object: KubeObject): boolean;
}

export interface ChildRetentionOptions {
  clock: Clock;
  /** How long a child whose request is not in the cache is kept; ORPHAN_GRACE_MS by default. */
  graceMs?: number;
  /** The index of the child stores from a request's UID to its children. */
  ownerIndex: string;
  /** Every child informer, of every kind and namespace. */
  stores: readonly ChildStore[];
}

interface Waiting {
  store: ChildStore;
  object: KubeObject;
  owner: string;
  at: number;
}

export class ChildRetention {
  /** The UIDs of the requests in the request cache. */
  private readonly live = new Set<string>();
  /** Children stored while their request was not in the cache, oldest first, from `head` on. */
  private waiting: (Waiting | undefined)[] = [];
  private head = 0;
  private stage: 'listing children' | 'listing requests' | 'synced' = 'listing children';
  private timer: TimerHandle | undefined;
  private readonly graceMs: number;
  /** Children dropped so far. */
  dropped = 0;

  constructor(private readonly options: ChildRetentionOptions) {
    this.graceMs = options.graceMs ?? ORPHAN_GRACE_MS;
  }

  /** Children waiting for their request, stale entries (a newer version stored since) included. */
  get waitingCount(): number {
    return this.waiting.length - this.head;
  }

  /** An event of the request cache; `previous` is the version it replaced. */
  onRequest(type: 'added' | 'modified' | 'deleted', rr: KubeObject, previous: KubeObject | undefined): void {
    const uid = rr.metadata?.uid;
    const previousUid = previous?.metadata?.uid;
    if (previousUid && previousUid !== uid) this.gone(previousUid);
    if (!uid) return;
    if (type === 'deleted') this.gone(uid);
    else this.live.add(uid);
  }

  /** An event of a child cache. */
  onChild(store: ChildStore, type: 'added' | 'modified' | 'deleted', object: KubeObject): void {
    if (type === 'deleted' || this.stage === 'listing children') return;
    const owner = ownerUid(object);
    if (!owner || this.live.has(owner)) return;
    this.waiting.push({ store, object, owner, at: this.options.clock.now() });
    this.arm();
  }

  /** The children have listed; the requests' list starts now. */
  requestsListing(): void {
    if (this.stage === 'listing children') this.stage = 'listing requests';
  }

  /**
   * The requests have listed: drops every child listed before them whose request is not in the
   * cache, except those that came while the requests were listing (they get the grace period).
   */
  requestsSynced(): void {
    if (this.stage === 'synced') return;
    this.stage = 'synced';
    const recent = new Set(this.waiting.slice(this.head).map((w) => w!.object));
    for (const store of this.options.stores)
      for (const object of store.list()) {
        const owner = ownerUid(object);
        if (!recent.has(object) && !(owner && this.live.has(owner)) && store.forget(object)) this.dropped++;
      }
    this.arm();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** The request `uid` has left the cache: so do its children. */
  private gone(uid: string): void {
    this.live.delete(uid);
    for (const store of this.options.stores)
      for (const child of store.byIndex(this.options.ownerIndex, uid))
        if (store.forget(child)) this.dropped++;
  }

  /** Drops the children whose grace period is over and whose request has not come. */
  private sweep(): void {
    const until = this.options.clock.now() - this.graceMs;
    while (this.head < this.waiting.length && this.waiting[this.head]!.at <= until) {
      const { store, object, owner } = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined;
      const stillThere = store.get(object.metadata?.namespace, object.metadata?.name ?? '') === object;
      if (stillThere && !this.live.has(owner) && store.forget(object)) this.dropped++;
    }
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    this.arm();
  }

  private arm(): void {
    if (this.stage !== 'synced' || this.timer || this.head >= this.waiting.length) return;
    const due = this.waiting[this.head]!.at + this.graceMs;
    this.timer = setClampedTimeout(
      this.options.clock,
      () => {
        this.timer = undefined;
        this.sweep();
      },
      Math.max(0, due - this.options.clock.now()),
    );
  }
}
