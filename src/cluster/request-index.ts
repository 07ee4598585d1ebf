// The storm-protection index over every RemediationRequest the caches hold, retained ones included:
// by namespace+fingerprint, fingerprint, target, phase and blocked reason, so that each question of
// the rules (src/actors/routing.ts) is answered in O(log n) (plus the splice of a sorted array, a
// memmove of one key's requests), never by a scan of all requests. It is fed by the informer's
// events and by the actors' own decisions, which lead the informer by one write: a decision is
// seen by the next one at once, so two requests deciding in the same tick never both proceed.
import type { RemediationRequest } from '../api/index.js';
import { isTerminal } from '../actors/phases.js';
import {
  STORM_WINDOW_MS,
  arrivalOrder,
  blockedOrder,
  entryOf,
  foldedInto,
  type Decision,
  type RequestEntry,
  type RoutingIndex,
} from '../actors/routing.js';

/** A sorted array: binary insertion and removal, O(log n) search. */
class SortedList<T> {
  readonly items: T[] = [];
  constructor(private readonly order: (a: T, b: T) => number) {}
  /** The index of the first item not before `probe`. */
  lowerBound(probe: T): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order(this.items[mid]!, probe) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  add(item: T): void {
    this.items.splice(this.lowerBound(item), 0, item);
  }
  remove(item: T): void {
    for (let i = this.lowerBound(item); i < this.items.length; i++) {
      if (this.items[i] === item) {
        this.items.splice(i, 1);
        return;
      }
      if (this.order(this.items[i]!, item) > 0) return;
    }
  }
  get first(): T | undefined {
    return this.items[0];
  }
  get size(): number {
    return this.items.length;
  }
}

const EXECUTED: ReadonlySet<string> = new Set(['Completed', 'Failed', 'TimedOut']);
const SEVERITY_THEN_AGE = (a: RequestEntry, b: RequestEntry): number =>
  a.severityRank - b.severityRank || arrivalOrder(a, b);
const COMPLETION = (a: RequestEntry, b: RequestEntry): number =>
  (a.completedAt ?? 0) - (b.completedAt ?? 0) || arrivalOrder(a, b);
/** A key's representative: one admitted first (claimed), then the earliest. */
const REPRESENTATIVE = (a: RequestEntry, b: RequestEntry): number =>
  Number(b.claimed) - Number(a.claimed) || arrivalOrder(a, b);

function listIn<K, T>(map: Map<K, SortedList<T>>, key: K, order: (a: T, b: T) => number): SortedList<T> {
  let list = map.get(key);
  if (!list) map.set(key, (list = new SortedList(order)));
  return list;
}
function removeIn<K, T>(map: Map<K, SortedList<T>>, key: K, item: T): void {
  const list = map.get(key);
  if (!list) return;
  list.remove(item);
  if (list.size === 0) map.delete(key);
}

export interface RequestIndexListener {
  /** Requests whose rule may have stopped holding: their actors should look again. */
  wake(uids: string[]): void;
  /** A count of non-terminal Blocked requests by reason changed. */
  blocked?(reason: string, delta: number): void;
}

export class RequestIndex implements RoutingIndex {
  private readonly entries = new Map<string, RequestEntry>();
  private readonly cached = new Map<string, RequestEntry>();
  private readonly decisions = new Map<string, Decision>();
  private readonly endings = new Map<string, NonNullable<RequestEntry['ending']>>();
  private readonly representatives = new Map<string, SortedList<RequestEntry>>();
  private readonly executed = new Map<string, SortedList<RequestEntry>>();
  private readonly completed = new Map<string, SortedList<RequestEntry>>();
  private readonly executing = new Set<RequestEntry>();
  private readonly executingByTarget = new Map<string, Set<RequestEntry>>();
  private readonly limitWaiters = new SortedList<RequestEntry>(SEVERITY_THEN_AGE);
  private readonly busyWaiters = new Map<string, SortedList<RequestEntry>>();
  private readonly failureBlocks = new Map<string, SortedList<RequestEntry>>();
  private readonly stormBlocked = new SortedList<RequestEntry>(blockedOrder);
  private readonly arrived = new SortedList<RequestEntry>(arrivalOrder);
  private readonly duplicates = new Map<string, Set<RequestEntry>>();

  constructor(private readonly listener: RequestIndexListener = { wake: () => undefined }) {}

  /** An informer event of a RemediationRequest. */
  onRequest(type: 'added' | 'modified' | 'deleted', rr: RemediationRequest): void {
    const uid = rr.metadata?.uid;
    if (!uid) return;
    if (type === 'deleted') {
      this.cached.delete(uid);
      this.decisions.delete(uid);
      this.endings.delete(uid);
      this.put(uid, undefined);
      return;
    }
    const cached = entryOf(rr);
    this.cached.set(uid, cached);
    const decision = this.decisions.get(uid);
    if (isTerminal(cached.phase)) {
      this.decisions.delete(uid);
      this.endings.delete(uid);
    } else if (decision && caughtUp(cached, decision)) this.decisions.delete(uid);
    this.put(uid, this.merged(uid));
  }

  /**
   * An actor decided `decision` for the request `uid`; the informer will show it after the write.
   * A decision that holds others back (admitted, working, Blocked) counts at once, so that two
   * requests deciding in the same tick never both proceed. An ending, which lets others go (its
   * fingerprint, target and slot free), counts once the cluster shows it, so that the next request of
   * a fingerprint never shows working before the previous one shows ended; meanwhile the request
   * is marked `ending`, with its outcome, which its duplicates take at once.
   */
  decided(uid: string, decision: Decision): void {
    const cached = this.cached.get(uid);
    if (!cached) return;
    if (isTerminal(decision.phase) && !isTerminal(cached.phase))
      this.endings.set(uid, { success: decision.success, duplicateOf: decision.duplicateOf });
    else {
      this.endings.delete(uid);
      this.decisions.set(uid, decision);
    }
    this.put(uid, this.merged(uid));
  }

  /** The request as the rules see it: the cached object, with the actor's decision over it. */
  private merged(uid: string): RequestEntry | undefined {
    const cached = this.cached.get(uid);
    const decision = this.decisions.get(uid);
    const entry = cached && decision ? { ...cached, ...decision } : cached;
    const ending = this.endings.get(uid);
    return entry && ending ? { ...entry, ending } : entry;
  }

  private put(uid: string, next: RequestEntry | undefined): void {
    const previous = this.entries.get(uid);
    if (previous) this.unindex(previous);
    if (next) {
      this.entries.set(uid, next);
      this.index(next);
    } else this.entries.delete(uid);
    this.wakeAfter(previous, next);
  }

  /** Whom a change lets go: the duplicates of an original that ended, the next in line for a slot. */
  private wakeAfter(previous: RequestEntry | undefined, next: RequestEntry | undefined): void {
    if (!previous) return;
    const woken: string[] = [];
    const ended =
      !next || (isTerminal(next.phase) && !isTerminal(previous.phase)) || (next.ending && !previous.ending);
    // It was folded into another request in turn: its duplicates follow it there (routing.ts).
    const folded = next && foldedInto(next) && foldedInto(next)?.uid !== foldedInto(previous)?.uid;
    if (ended || folded)
      for (const d of this.duplicates.get(previous.uid) ?? [])
        if (!isTerminal(d.phase) && d.uid !== previous.uid) woken.push(d.uid);
    // A slot in Executing freed, or a waiter left its line: the next in line may go now.
    const leftExecuting = previous.phase === 'Executing' && next?.phase !== 'Executing';
    const leftLine = (reason: string): boolean =>
      previous.phase === 'Blocked' &&
      previous.blockedReason === reason &&
      (next?.phase !== 'Blocked' || next.blockedReason !== reason);
    if (leftExecuting || leftLine('ResourceBusy')) {
      const first = this.busyWaiters.get(previous.target)?.first;
      if (first) woken.push(first.uid);
    }
    if (leftExecuting || leftLine('ExecutionLimit')) {
      const first = this.limitWaiters.first;
      if (first) woken.push(first.uid);
    }
    if (woken.length) this.listener.wake([...new Set(woken)]);
  }

  private index(e: RequestEntry): void {
    this.arrived.add(e);
    const terminal = isTerminal(e.phase);
    const dupWaiting = e.phase === 'Blocked' && e.blockedReason === 'DuplicateInProgress';
    // A request ending without ever having been admitted (skipped, say) is no one's original.
    const endsUnadmitted = e.ending !== undefined && !e.claimed;
    if (!terminal && !dupWaiting && !endsUnadmitted)
      listIn(this.representatives, repKey(e), REPRESENTATIVE).add(e);
    if (e.phase && EXECUTED.has(e.phase)) listIn(this.executed, e.fingerprint, COMPLETION).add(e);
    if (e.phase === 'Completed') listIn(this.completed, e.fingerprint, COMPLETION).add(e);
    if (e.phase === 'Executing') {
      this.executing.add(e);
      let set = this.executingByTarget.get(e.target);
      if (!set) this.executingByTarget.set(e.target, (set = new Set()));
      set.add(e);
    }
    if (e.phase === 'Blocked') {
      if (e.blockedReason === 'ExecutionLimit') this.limitWaiters.add(e);
      if (e.blockedReason === 'ResourceBusy') listIn(this.busyWaiters, e.target, arrivalOrder).add(e);
      if (e.blockedReason === 'StormProtection') this.stormBlocked.add(e);
      if (e.blockedReason) this.listener.blocked?.(e.blockedReason, 1);
    }
    if (e.blockedReason === 'ConsecutiveFailures' && e.blockedUntil !== undefined)
      listIn(this.failureBlocks, failureKey(e.fingerprint, e.blockedUntil), blockedOrder).add(e);
    if (e.duplicateOf) {
      let set = this.duplicates.get(e.duplicateOf.uid);
      if (!set) this.duplicates.set(e.duplicateOf.uid, (set = new Set()));
      set.add(e);
    }
  }

  private unindex(e: RequestEntry): void {
    this.arrived.remove(e);
    removeIn(this.representatives, repKey(e), e);
    removeIn(this.executed, e.fingerprint, e);
    removeIn(this.completed, e.fingerprint, e);
    if (this.executing.delete(e)) {
      const set = this.executingByTarget.get(e.target);
      set?.delete(e);
      if (set?.size === 0) this.executingByTarget.delete(e.target);
    }
    if (e.phase === 'Blocked') {
      this.limitWaiters.remove(e);
      removeIn(this.busyWaiters, e.target, e);
      this.stormBlocked.remove(e);
      if (e.blockedReason) this.listener.blocked?.(e.blockedReason, -1);
    }
    if (e.blockedReason === 'ConsecutiveFailures' && e.blockedUntil !== undefined)
      removeIn(this.failureBlocks, failureKey(e.fingerprint, e.blockedUntil), e);
    if (e.duplicateOf) {
      const set = this.duplicates.get(e.duplicateOf.uid);
      set?.delete(e);
      if (set?.size === 0) this.duplicates.delete(e.duplicateOf.uid);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  byUid(uid: string): RequestEntry | undefined {
    return this.entries.get(uid);
  }

  representative(namespace: string, fingerprint: string): RequestEntry | undefined {
    return this.representatives.get(`${namespace}/${fingerprint}`)?.first;
  }

  lastExecuted(fingerprint: string, n: number): RequestEntry[] {
    const items = this.executed.get(fingerprint)?.items ?? [];
    return items.slice(Math.max(0, items.length - n)).reverse();
  }

  lastCompleted(fingerprint: string): RequestEntry | undefined {
    return this.completed.get(fingerprint)?.items.at(-1);
  }

  executingCount(): number {
    return this.executing.size;
  }

  executingOn(target: string, uid: string): RequestEntry | undefined {
    for (const e of this.executingByTarget.get(target) ?? []) if (e.uid !== uid) return e;
    return undefined;
  }

  waitersBefore(reason: 'ExecutionLimit' | 'ResourceBusy', entry: RequestEntry): number {
    const list = reason === 'ExecutionLimit' ? this.limitWaiters : this.busyWaiters.get(entry.target);
    if (!list) return 0;
    // Its own place in the line, or where it would join it: the count of those before it.
    return list.lowerBound(entry);
  }

  firstBlockedFor(fingerprint: string, until: number): RequestEntry | undefined {
    return this.failureBlocks.get(failureKey(fingerprint, until))?.first;
  }

  firstStormBlocked(): RequestEntry | undefined {
    return this.stormBlocked.first;
  }

  arrivals(from: number, to: number): number {
    return this.countBefore(to + 1) - this.countBefore(from + 1);
  }

  /** Requests created before `time` (ms). */
  private countBefore(time: number): number {
    const items = this.arrived.items;
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (items[mid]!.createdAt < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  arrivalsFallBelow(below: number, now: number): number {
    const items = this.arrived.items;
    const total = this.countBefore(now + 1);
    // With no more arrivals, the count falls below `below` once the arrival at index total - below
    // (counted from the oldest) has left the window.
    const at = total - below;
    if (at < 0) return now;
    return items[at]!.createdAt + STORM_WINDOW_MS;
  }

  topFingerprints(from: number, to: number, n: number): { fingerprint: string; count: number }[] {
    const counts = new Map<string, number>();
    const items = this.arrived.items;
    for (let i = this.countBefore(from + 1); i < this.countBefore(to + 1); i++) {
      const fp = items[i]!.fingerprint;
      counts.set(fp, (counts.get(fp) ?? 0) + 1);
    }
    return [...counts]
      .map(([fingerprint, count]) => ({ fingerprint, count }))
      .sort((a, b) => b.count - a.count || (a.fingerprint < b.fingerprint ? -1 : 1))
      .slice(0, n);
  }

  duplicatesOf(uid: string): number {
    return this.duplicates.get(uid)?.size ?? 0;
  }

  /** Non-terminal requests Blocked by StormProtection (for the storm-mode gauge). */
  get stormHeld(): number {
    return this.stormBlocked.size;
  }
}

/**
 * Whether the cached object shows all the decision says about routing. Not before: a request's
 * first sight writes its status, then its finalizer, and between the two the cache shows it Pending
 * but not admitted; dropping the decision then would let an earlier request arriving in between be
 * admitted too, and leave the duplicates that waited on the first one waiting on a duplicate.
 */
function caughtUp(cached: RequestEntry, d: Decision): boolean {
  if (cached.phase !== d.phase || (d.claimed && !cached.claimed)) return false;
  if (d.phase !== 'Blocked') return true;
  return (
    cached.blockedReason === d.blockedReason &&
    cached.blockedUntil === d.blockedUntil &&
    cached.duplicateOf?.uid === d.duplicateOf?.uid
  );
}

const repKey = (e: RequestEntry): string => `${e.namespace}/${e.fingerprint}`;
const failureKey = (fingerprint: string, until: number): string => `${fingerprint}@${until}`;
