// The runtime of one RemediationRequest: a coalescing mailbox in front of the machine, the
// deadline timer on the injected clock, and the injected effect executor.
import { createActor, type Actor } from 'xstate';
import { progressDueAt, type RequestRef } from './effects.js';
import type { RemediationContext, RemediationInput } from './machine.js';
import { addsNothing, type Observed } from './observed.js';
import { isTerminal, type Phase } from './phases.js';
import { runtimeMachine, type MachineEffects, type RuntimeMachine } from './runtime-machine.js';
import type { Decision } from './routing.js';
import { blockedTooLongAt, nextDeadline, type Settings } from './status.js';
import type { Clock } from '../util/clock.js';
import { setClampedTimeout, type TimerHandle } from '../util/timer.js';

export interface ActorLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What an actor reports to whoever runs it (the supervisor's metrics and lifecycle). */
export interface ActorObserver {
  transition?(
    from: Phase | undefined,
    to: Phase,
    secondsInPrevious: number | undefined,
    reason: string | undefined,
    timeoutPhase: string | undefined,
  ): void;
  mailbox?(delta: number): void;
}

/**
 * What every actor of one supervisor shares: settings, clock, the executor and the callbacks that
 * report to the supervisor. It is one object for all actors, so a live actor holds no closures of
 * its own; each callback names the request it is about.
 */
export interface ActorHost extends MachineEffects {
  settings: Settings;
  clock: Clock;
  /** The request and its children as the caches have them now; undefined once the request is gone. */
  view(ref: RequestRef): Observed | undefined;
  /** The log of one request, asked for when there is something to log (not kept by the actor). */
  logFor(ref: RequestRef): ActorLog;
  observer?: ActorObserver;
  /** The actor decided a phase (or a block) that the caches will show after its write. */
  decided?(ref: RequestRef, decision: Decision): void;
  /** The request is terminal and fully written: the actor may be passivated. */
  onSettled(uid: string, context: RemediationContext): void;
  /** The finalizer is released: the actor has stopped. */
  onReleased(uid: string): void;
  /** The machine threw: the actor has stopped; the supervisor rebuilds it from the caches. */
  onCrashed(uid: string, error: unknown): void;
}

type Snapshot = ReturnType<Actor<RuntimeMachine>['getSnapshot']>;

/**
 * Heap per live actor matters (10,000 requests in flight): an actor keeps no closures and no copies
 * of its own. It shares the host, it is itself the observer of its xstate actor, its set of deleted
 * children exists only while a delivery is pending, and it does not keep the view it started from.
 */
export class RemediationActor {
  private readonly actor: Actor<RuntimeMachine>;
  private pending = false;
  private deleted: Set<string> | undefined;
  private deadlineTimer: TimerHandle | undefined;
  private armedFor: number | undefined;
  private stopped = false;
  private settledReported = false;
  private lastPhase: Phase | undefined;
  private lastDecision: string | undefined;

  constructor(
    private readonly host: ActorHost,
    readonly ref: RequestRef,
    initial: Observed,
  ) {
    const input: RemediationInput = { observed: initial, settings: host.settings, now: host.clock.now() };
    this.actor = createActor(runtimeMachine(host), {
      input,
      clock: host.clock,
      id: ref.uid,
    });
    // xstate keeps its options (input included) for the actor's life, but reads the input only to
    // build the first context, just done: without this the first view of the request stays alive.
    // (Assigned, not deleted: a delete would turn the object into a dictionary, 256 bytes more.)
    (input as Partial<RemediationInput>).observed = undefined;
    this.lastPhase = initial.rr.status?.phase;
    this.actor.subscribe(this);
  }

  start(): void {
    this.actor.start();
  }

  get phase(): Phase | undefined {
    return this.actor.getSnapshot().context.ledger.phase;
  }

  get context(): RemediationContext {
    return this.actor.getSnapshot().context;
  }

  /** Something about the request or a child changed; coalesced into one observation. */
  notify(deletedChild?: string): void {
    if (this.stopped) return;
    if (deletedChild) (this.deleted ??= new Set()).add(deletedChild);
    if (this.pending) return;
    this.pending = true;
    this.host.observer?.mailbox?.(1);
    queueMicrotask(() => this.deliver());
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pending) this.host.observer?.mailbox?.(-1);
    this.pending = false;
    this.deleted = undefined;
    this.disarm();
    this.actor.stop();
  }

  private deliver(): void {
    if (!this.pending || this.stopped) return;
    this.pending = false;
    this.host.observer?.mailbox?.(-1);
    const observed = this.host.view(this.ref);
    if (!observed) return;
    const deleted = this.deleted ? [...this.deleted] : [];
    this.deleted = undefined;
    // An echo of our own write decides nothing: skip the machine's whole evaluation.
    try {
      if (!deleted.length && addsNothing(this.context.observed, observed)) return;
    } catch (err) {
      this.crashed(err);
      return;
    }
    this.actor.send({ type: 'observed', observed, deleted, now: this.host.clock.now() });
  }

  /** Observer of the xstate actor (not for callers): every snapshot it reaches. */
  next(snapshot: Snapshot): void {
    if (this.stopped) return;
    const { context } = snapshot;
    const phase = context.ledger.phase;
    if (phase && phase !== this.lastPhase) {
      const entered = context.ledger.phaseHistory.at(-2)?.enteredAt;
      this.host.observer?.transition?.(
        this.lastPhase,
        phase,
        entered ? (context.now - Date.parse(entered)) / 1000 : undefined,
        context.ledger.reason,
        context.ledger.timeoutPhase,
      );
      this.host
        .logFor(this.ref)
        .info(
          { from: this.lastPhase, to: phase, reason: context.ledger.reason },
          `phase ${this.lastPhase ?? 'new'} -> ${phase}`,
        );
      this.lastPhase = phase;
    }
    if (context.lastError && snapshot.matches({ sync: 'backoff' })) {
      this.host
        .logFor(this.ref)
        .warn(
          { attempts: context.attempts, error: context.lastError },
          'write failed; retrying with backoff',
        );
    }
    if (snapshot.matches({ phase: 'Released' })) {
      this.stop();
      this.host.onReleased(this.ref.uid);
      return;
    }
    this.reportDecision(context);
    this.arm(context);
    // A notification waiting for its next attempt keeps the actor (and its timer) alive.
    const idle = snapshot.matches({ sync: 'idle' }) && !context.notificationsHeld;
    if (idle && isTerminal(phase) && !context.releasing && !this.settledReported) {
      this.settledReported = true;
      this.host.onSettled(this.ref.uid, context);
    }
  }

  /** Tells the host what the routing index must know before the caches do (one call per change). */
  private reportDecision(context: RemediationContext): void {
    if (!this.host.decided) return;
    const l = context.ledger;
    const v = context.observed.routing?.verdict;
    const ms = (t: string | undefined): number | undefined => (t ? Date.parse(t) : undefined);
    const decision: Decision = {
      phase: l.phase,
      claimed: l.phase === 'Pending' ? v !== undefined && 'proceed' in v : l.phase !== undefined,
      success: l.success,
      completedAt: ms(l.completionTime),
      blockedReason: l.phase === 'Blocked' ? l.blockedReason : undefined,
      blockedAt: l.phase === 'Blocked' ? ms(l.phaseStartTime) : undefined,
      blockedUntil: ms(l.blockedUntil),
      duplicateOf: l.duplicateOf?.uid ? { name: l.duplicateOf.name, uid: l.duplicateOf.uid } : undefined,
    };
    const key = JSON.stringify(decision);
    if (key === this.lastDecision) return;
    this.lastDecision = key;
    this.host.decided(this.ref, decision);
  }

  /**
   * Keeps one timer armed at the request's next deadline (from its status timestamps), deferred
   * progress write, or the time a rule that holds it is next worth asking (a cooldown's end).
   */
  private arm(context: RemediationContext): void {
    const progress = progressDueAt(context);
    const v = context.observed.routing?.verdict;
    const candidates = [
      nextDeadline(context.ledger, context.observed.rr, context.settings)?.at,
      blockedTooLongAt(context.ledger, context.settings),
      v && 'block' in v ? (v.until ?? v.recheckAt) : undefined,
      progress !== undefined && progress > context.now ? progress : undefined,
    ].filter((t): t is number => t !== undefined);
    const deadline = candidates.length ? Math.min(...candidates) : undefined;
    if (deadline === this.armedFor) return;
    this.disarm();
    if (deadline === undefined) return;
    this.armedFor = deadline;
    this.deadlineTimer = setClampedTimeout(
      this.host.clock,
      () => {
        this.deadlineTimer = undefined;
        this.armedFor = undefined;
        if (this.stopped) return;
        // Under storm protection a fresh view: a rule's verdict depends on the time as much as on
        // the cluster. A timeout alone needs none.
        const observed = this.context.observed.routing ? this.host.view(this.ref) : undefined;
        const now = this.host.clock.now();
        this.actor.send(observed ? { type: 'observed', observed, deleted: [], now } : { type: 'tick', now });
      },
      Math.max(0, deadline - this.host.clock.now()),
    );
  }

  private disarm(): void {
    this.deadlineTimer?.cancel();
    this.deadlineTimer = undefined;
    this.armedFor = undefined;
  }

  /** Observer of the xstate actor (not for callers): the machine threw. */
  error(error: unknown): void {
    this.crashed(error);
  }

  private crashed(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.disarm();
    this.host.onCrashed(this.ref.uid, error);
  }
}
