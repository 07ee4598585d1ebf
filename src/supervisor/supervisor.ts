import { LRUCache } from 'lru-cache';
import { RemediationActor, type ActorHost, type ActorLog, type ActorObserver } from '../actors/actor.js';
import { requestRef, type EffectBatch, type EffectResult, type RequestRef } from '../actors/effects.js';
import type { RemediationContext } from '../actors/machine.js';
import type { Observed } from '../actors/observed.js';
import { isTerminal, type Phase } from '../actors/phases.js';
import type { Decision } from '../actors/routing.js';
import type { Settings } from '../actors/status.js';
import { FINALIZER, type ChildKindName, type RemediationRequest } from '../api/index.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import type { Clock } from '../util/clock.js';
import { setClampedTimeout, type TimerHandle } from '../util/timer.js';
import { isNewerResourceVersion } from '../util/resource-version.js';
import { DeadlineHeap } from './deadline-heap.js';
import { changeMark, StoppedReporter } from './stopped.js';

export interface SupervisorLog extends ActorLog {
  child(bindings: Record<string, unknown>): SupervisorLog;
}

export interface SupervisorObserver extends ActorObserver {
  actors?(running: number, passivated: number): void;
  restarted?(): void;
  /** An actor spent its restart budget: it stays stopped until its request changes. */
  stopped?(): void;
  active?(phase: Phase, delta: number): void;
}

export interface SupervisorDeps {
  clock: Clock;
  settings: Settings;
  retryBackoff: BackoffPolicy;
  restartBackoff: BackoffPolicy;
  maxRestarts: number;
  recentlyFinishedSize: number;
  view(ref: RequestRef): Observed | undefined;
  applyEffects: (batch: EffectBatch) => Promise<EffectResult>;
  /** An actor's decision, for the storm-protection index (it leads the caches by one write). */
  decided?(ref: RequestRef, decision: Decision): void;
  /** Deletes a request whose retention expired (the garbage collector takes its owned children). */
  deleteRequest(ref: RequestRef): Promise<void>;
  log: SupervisorLog;
  observer?: SupervisorObserver;
}

interface Finished {
  resourceVersion: string;
  ref: RequestRef;
}

export class Supervisor {
  private readonly actors = new Map<string, RemediationActor>();
  private readonly refs = new Map<string, RequestRef>();
  /** namespace/name -> the UID of the request spawned under that name. */
  private readonly uidByName = new Map<string, string>();
  private readonly restarts = new Map<string, number>();
  private readonly restartTimers = new Map<string, TimerHandle>();
  /** Actors that crashed too often, by UID: what their request looked like (changeMark) when they stopped. */
  private readonly stopped = new Map<string, string>();
  private readonly stoppedReporter: StoppedReporter;
  /** Recently finished, passivated requests: late events for them spawn nothing. */
  private readonly finished: LRUCache<string, Finished>;
  /** Requests whose finalizer we released: the echoes of their deletion spawn nothing. */
  private readonly releasedUids = new LRUCache<string, true>({ max: 10_000 });
  private readonly retention = new DeadlineHeapRef();
  private retentionTimer: TimerHandle | undefined;
  private retentionArmedAt: number | undefined;
  private running = false;
  /** One host for all actors: an actor holds no callbacks of its own. */
  private readonly host: ActorHost;

  constructor(private readonly deps: SupervisorDeps) {
    this.finished = new LRUCache({ max: Math.max(1, deps.recentlyFinishedSize) });
    this.stoppedReporter = new StoppedReporter({
      clock: deps.clock,
      retryBackoff: deps.retryBackoff,
      current: (ref) => deps.view(ref)?.rr,
      applyEffects: deps.applyEffects,
      failed: (ref, err, retryInMs) =>
        this.logFor(ref).warn(
          { err, retryInMs },
          retryInMs === undefined
            ? 'writing the condition ActorStopped failed for good'
            : 'writing the condition ActorStopped failed; retrying with backoff',
        ),
    });
    const observer = deps.observer;
    this.host = {
      settings: deps.settings,
      clock: deps.clock,
      view: (ref) => deps.view(ref),
      applyEffects: deps.applyEffects,
      retryBackoff: deps.retryBackoff,
      logFor: (ref) => this.logFor(ref),
      observer: {
        mailbox: (d) => observer?.mailbox?.(d),
        transition: (from, to, seconds, reason, timeoutPhase) =>
          this.transitioned(from, to, seconds, reason, timeoutPhase),
      },
      decided: deps.decided ? (ref, decision) => deps.decided?.(ref, decision) : undefined,
      onSettled: (uid, context) => this.passivate(uid, context),
      onReleased: (uid) => this.released(uid),
      onCrashed: (uid, error) => this.crashed(uid, error),
    };
  }

  private logFor(ref: RequestRef): SupervisorLog {
    return this.deps.log.child({ namespace: ref.namespace, name: ref.name, uid: ref.uid });
  }

  start(existing: readonly RemediationRequest[]): void {
    this.running = true;
    for (const rr of existing) this.onRequest('added', rr);
  }

  /** Stops every actor and timer at once; in-flight writes finish on their own. */
  stop(): void {
    this.running = false;
    for (const actor of this.actors.values()) actor.stop();
    this.actors.clear();
    for (const t of this.restartTimers.values()) t.cancel();
    this.restartTimers.clear();
    this.retentionTimer?.cancel();
    this.retentionTimer = undefined;
    this.stoppedReporter.stop();
    this.stopped.clear();
    this.report();
  }

  get counts(): { running: number; passivated: number; retained: number } {
    return { running: this.actors.size, passivated: this.finished.size, retained: this.retention.size };
  }

  actorOf(uid: string): RemediationActor | undefined {
    return this.actors.get(uid);
  }

  onRequest(type: 'added' | 'modified' | 'deleted', rr: RemediationRequest): void {
    const uid = rr.metadata?.uid;
    if (!uid || !this.running) return;
    // A relist can report a name with a new UID and never the old one's deletion: that one is gone.
    const replaced = this.uidByName.get(nameKey(rr.metadata?.namespace, rr.metadata?.name));
    if (replaced !== undefined && replaced !== uid) this.forget(replaced);
    if (type === 'deleted') {
      this.forget(uid);
      this.releasedUids.delete(uid);
      return;
    }
    if (this.releasedUids.has(uid) && !rr.metadata?.finalizers?.includes(FINALIZER)) return;
    const actor = this.actors.get(uid);
    if (actor) {
      actor.notify();
      return;
    }
    const stoppedAs = this.stopped.get(uid);
    if (stoppedAs !== undefined) {
      if (stoppedAs === changeMark(rr)) return;
      this.stopped.delete(uid);
      this.stoppedReporter.cancel(uid);
    }
    if (this.restartTimers.has(uid)) return;
    const done = this.finished.get(uid);
    if (
      done &&
      !rr.metadata?.deletionTimestamp &&
      !isNewerResourceVersion(rr.metadata?.resourceVersion, done.resourceVersion)
    )
      return;
    if (done && !rr.metadata?.deletionTimestamp && isTerminal(rr.status?.phase)) return;
    this.spawn(requestRef(rr));
  }

  /** Requests whose storm-protection rule may have stopped holding: their actors look again. */
  wake(uids: readonly string[]): void {
    for (const uid of uids) this.actors.get(uid)?.notify();
  }

  onChild(
    type: 'added' | 'modified' | 'deleted',
    _kind: ChildKindName,
    ownerUid: string | undefined,
    name: string,
  ): void {
    if (!ownerUid) return;
    this.actors.get(ownerUid)?.notify(type === 'deleted' ? name : undefined);
  }

  private spawn(ref: RequestRef): void {
    const observed = this.deps.view(ref);
    if (!observed) return;
    const phase = observed.rr.status?.phase;
    const actor = new RemediationActor(this.host, ref, observed);
    this.actors.set(ref.uid, actor);
    this.refs.set(ref.uid, ref);
    this.uidByName.set(nameKey(ref.namespace, ref.name), ref.uid);
    this.retention.delete(ref.uid);
    this.finished.delete(ref.uid);
    if (phase && !isTerminal(phase)) this.deps.observer?.active?.(phase, 1);
    actor.start();
    actor.notify();
    this.report();
  }

  private transitioned(
    from: Phase | undefined,
    to: Phase,
    seconds: number | undefined,
    reason: string | undefined,
    timeoutPhase: string | undefined,
  ): void {
    const o = this.deps.observer;
    o?.transition?.(from, to, seconds, reason, timeoutPhase);
    if (from && !isTerminal(from)) o?.active?.(from, -1);
    if (!isTerminal(to)) o?.active?.(to, 1);
  }

  private passivate(uid: string, context: RemediationContext): void {
    const actor = this.actors.get(uid);
    const ref = this.refs.get(uid);
    if (!actor || !ref) return;
    actor.stop();
    this.actors.delete(uid);
    this.restarts.delete(uid);
    const rr = context.observed.rr;
    this.finished.set(uid, { resourceVersion: rr.metadata?.resourceVersion ?? '', ref });
    const expiry = rr.status?.retentionExpiryTime ?? context.ledger.retentionExpiryTime;
    if (expiry) {
      this.retention.set(uid, Date.parse(expiry), ref);
      this.armRetention();
    }
    this.report();
  }

  private released(uid: string): void {
    const phase = this.actors.get(uid)?.phase;
    if (phase && !isTerminal(phase)) this.deps.observer?.active?.(phase, -1);
    this.actors.delete(uid);
    this.forgetName(uid);
    this.refs.delete(uid);
    this.releasedUids.set(uid, true);
    this.report();
  }

  private forgetName(uid: string): void {
    const ref = this.refs.get(uid);
    const key = ref && nameKey(ref.namespace, ref.name);
    if (key && this.uidByName.get(key) === uid) this.uidByName.delete(key);
  }

  private forget(uid: string): void {
    this.forgetName(uid);
    const actor = this.actors.get(uid);
    if (actor) {
      const phase = actor.phase;
      actor.stop();
      if (phase && !isTerminal(phase)) this.deps.observer?.active?.(phase, -1);
    }
    this.actors.delete(uid);
    this.refs.delete(uid);
    this.restarts.delete(uid);
    this.stopped.delete(uid);
    this.stoppedReporter.cancel(uid);
    this.finished.delete(uid);
    this.retention.delete(uid);
    const timer = this.restartTimers.get(uid);
    timer?.cancel();
    this.restartTimers.delete(uid);
    this.report();
  }

  private crashed(uid: string, error: unknown): void {
    const phase = this.actors.get(uid)?.phase;
    this.actors.delete(uid);
    if (phase && !isTerminal(phase)) this.deps.observer?.active?.(phase, -1);
    const ref = this.refs.get(uid);
    const attempt = this.restarts.get(uid) ?? 0;
    if (!ref || !this.running) return;
    const log = this.logFor(ref);
    if (attempt >= this.deps.maxRestarts) {
      this.giveUp(ref, error, attempt);
      return;
    }
    this.restarts.set(uid, attempt + 1);
    const delay = backoffDelay(this.deps.restartBackoff, attempt);
    log.error({ err: error, restartInMs: delay }, 'actor crashed; rebuilding it from the caches');
    this.deps.observer?.restarted?.();
    this.restartTimers.set(
      uid,
      setClampedTimeout(
        this.deps.clock,
        () => {
          this.restartTimers.delete(uid);
          if (this.running) this.spawn(ref);
        },
        delay,
      ),
    );
    this.report();
  }

  /** Leaves the actor stopped, and says so on its request, until the request changes (changeMark). */
  private giveUp(ref: RequestRef, error: unknown, restarts: number): void {
    this.restarts.delete(ref.uid);
    let rr: RemediationRequest | undefined;
    try {
      rr = this.deps.view(ref)?.rr;
    } catch {
      rr = undefined;
    }
    this.stopped.set(ref.uid, rr ? changeMark(rr) : '');
    this.logFor(ref).error(
      { err: error, restarts, code: 'ACTOR_STOPPED' },
      'actor crashed too often; it stays stopped until the request changes',
    );
    this.deps.observer?.stopped?.();
    this.stoppedReporter.report(ref, error, restarts);
    this.report();
  }

  private armRetention(): void {
    const next = this.retention.peek();
    if (!next || next.at === this.retentionArmedAt) return;
    this.retentionTimer?.cancel();
    this.retentionArmedAt = next.at;
    this.retentionTimer = setClampedTimeout(
      this.deps.clock,
      () => {
        this.retentionTimer = undefined;
        this.retentionArmedAt = undefined;
        this.expire();
      },
      Math.max(0, next.at - this.deps.clock.now()),
    );
  }

  private expire(): void {
    if (!this.running) return;
    for (const { ref } of this.retention.takeDue(this.deps.clock.now())) {
      this.deps.deleteRequest(ref).catch((err: unknown) => {
        this.logFor(ref).warn({ err }, 'deleting an expired request failed; retrying later');
        this.retention.set(ref.uid, this.deps.clock.now() + backoffDelay(this.deps.retryBackoff, 3), ref);
        this.armRetention();
      });
    }
    this.armRetention();
  }

  private report(): void {
    this.deps.observer?.actors?.(this.actors.size, this.finished.size);
  }
}

const nameKey = (namespace: string | undefined, name: string | undefined): string =>
  `${namespace ?? ''}/${name ?? ''}`;

/** The retention schedule: a DeadlineHeap that also remembers each request's ref. */
class DeadlineHeapRef {
  private readonly heap = new DeadlineHeap();
  private readonly refs = new Map<string, RequestRef>();
  /** namespace/name -> the UID of the request spawned under that name. */
  private readonly uidByName = new Map<string, string>();
  get size(): number {
    return this.heap.size;
  }
  set(uid: string, at: number, ref: RequestRef): void {
    this.heap.set(uid, at);
    this.refs.set(uid, ref);
  }
  delete(uid: string): void {
    this.heap.delete(uid);
    this.refs.delete(uid);
  }
  peek(): { at: number } | undefined {
    return this.heap.peek();
  }
  takeDue(now: number): { ref: RequestRef }[] {
    return this.heap.takeDue(now).flatMap((uid) => {
      const ref = this.refs.get(uid);
      this.refs.delete(uid);
      return ref ? [{ ref }] : [];
    });
  }
}
