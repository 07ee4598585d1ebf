// The runtime of one RemediationRequest: a coalescing mailbox in front of the machine, the
// deadline timer on the injected clock, and the injected effect executor.
import { createActor, fromPromise, type Actor } from 'xstate';
import { progressDueAt, type EffectBatch, type EffectResult } from './effects.js';
import { remediationMachine, type RemediationContext } from './machine.js';
import { addsNothing, type Observed } from './observed.js';
import { isTerminal, type Phase } from './phases.js';
import { nextDeadline, type Settings } from './status.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import type { Clock } from '../util/clock.js';

export interface ActorLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What an actor reports to whoever runs it (the supervisor's metrics and lifecycle). */
export interface ActorObserver {
  transition?(from: Phase | undefined, to: Phase, secondsInPrevious: number | undefined, reason: string | undefined, timeoutPhase: string | undefined): void;
  mailbox?(delta: number): void;
}

export interface ActorDeps {
  uid: string;
  settings: Settings;
  clock: Clock;
  /** The request and its children as the caches have them now; undefined once the request is gone. */
  view(): Observed | undefined;
  applyEffects(batch: EffectBatch): Promise<EffectResult>;
  retryBackoff: BackoffPolicy;
  log: ActorLog;
  observer?: ActorObserver;
  /** The request is terminal and fully written: the actor may be passivated. */
  onSettled(uid: string, context: RemediationContext): void;
  /** The finalizer is released: the actor has stopped. */
  onReleased(uid: string): void;
  /** The machine threw: the actor has stopped; the supervisor rebuilds it from the caches. */
  onCrashed(uid: string, error: unknown): void;
}

type Snapshot = ReturnType<Actor<typeof remediationMachine>['getSnapshot']>;
type RuntimeMachine = typeof remediationMachine;

/**
 * `machine.provide()` builds a whole new machine definition; once per actor it cost about 45 KB of
 * heap and the CPU to build it. All actors of one supervisor share one executor and retry policy,
 * so they share one provided machine.
 */
const provided = new WeakMap<ActorDeps['applyEffects'], Map<string, RuntimeMachine>>();

function runtimeMachine(applyEffects: ActorDeps['applyEffects'], retryBackoff: BackoffPolicy): RuntimeMachine {
  let byPolicy = provided.get(applyEffects);
  if (!byPolicy) provided.set(applyEffects, (byPolicy = new Map()));
  const key = `${retryBackoff.initialMs}/${retryBackoff.maxMs}/${retryBackoff.jitter}`;
  let machine = byPolicy.get(key);
  if (!machine) {
    machine = remediationMachine.provide({
      actors: { applyEffects: fromPromise<EffectResult, EffectBatch>(({ input }) => applyEffects(input)) },
      delays: { retryDelay: ({ context }) => backoffDelay(retryBackoff, context.attempts - 1) },
    });
    byPolicy.set(key, machine);
  }
  return machine;
}

export class RemediationActor {
  private readonly actor: Actor<typeof remediationMachine>;
  private pending = false;
  private deleted = new Set<string>();
  private deadlineTimer: unknown;
  private armedFor: number | undefined;
  private stopped = false;
  private settledReported = false;
  private lastPhase: Phase | undefined;

  constructor(private readonly deps: ActorDeps, initial: Observed) {
    this.actor = createActor(runtimeMachine(deps.applyEffects, deps.retryBackoff), {
      input: { observed: initial, settings: deps.settings, now: deps.clock.now() },
      clock: deps.clock,
      id: deps.uid,
    });
    this.lastPhase = initial.rr.status?.phase;
    this.actor.subscribe({
      next: (snapshot) => this.afterTransition(snapshot),
      error: (err) => this.crashed(err),
    });
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
    if (deletedChild) this.deleted.add(deletedChild);
    if (this.pending) return;
    this.pending = true;
    this.deps.observer?.mailbox?.(1);
    queueMicrotask(() => this.deliver());
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pending) this.deps.observer?.mailbox?.(-1);
    this.pending = false;
    this.disarm();
    this.actor.stop();
  }

  private deliver(): void {
    if (!this.pending || this.stopped) return;
    this.pending = false;
    this.deps.observer?.mailbox?.(-1);
    const observed = this.deps.view();
    if (!observed) return;
    const deleted = [...this.deleted];
    this.deleted.clear();
    // An echo of our own write decides nothing: skip the machine's whole evaluation.
    try {
      if (!deleted.length && addsNothing(this.context.observed, observed)) return;
    } catch (err) {
      this.crashed(err);
      return;
    }
    this.actor.send({ type: 'observed', observed, deleted, now: this.deps.clock.now() });
  }

  private afterTransition(snapshot: Snapshot): void {
    if (this.stopped) return;
    const { context } = snapshot;
    const phase = context.ledger.phase;
    if (phase && phase !== this.lastPhase) {
      const entered = context.ledger.phaseHistory.at(-2)?.enteredAt;
      this.deps.observer?.transition?.(this.lastPhase, phase, entered ? (context.now - Date.parse(entered)) / 1000 : undefined, context.ledger.reason, context.ledger.timeoutPhase);
      this.deps.log.info({ from: this.lastPhase, to: phase, reason: context.ledger.reason }, `phase ${this.lastPhase ?? 'new'} -> ${phase}`);
      this.lastPhase = phase;
    }
    if (context.lastError && (snapshot.value as { sync?: string }).sync === 'backoff') {
      this.deps.log.warn({ attempts: context.attempts, error: context.lastError }, 'write failed; retrying with backoff');
    }
    if ((snapshot.value as { phase?: string }).phase === 'Released') {
      this.stop();
      this.deps.onReleased(this.deps.uid);
      return;
    }
    this.arm(context);
    const idle = (snapshot.value as { sync?: string }).sync === 'idle';
    if (idle && isTerminal(phase) && !context.releasing && !this.settledReported) {
      this.settledReported = true;
      this.deps.onSettled(this.deps.uid, context);
    }
  }

  /** Keeps one timer armed at the request's next deadline (from its status timestamps) or deferred progress write. */
  private arm(context: RemediationContext): void {
    const progress = progressDueAt(context);
    const timeout = nextDeadline(context.ledger, context.observed.rr, context.settings)?.at;
    const deadline = progress !== undefined && progress > context.now && (timeout === undefined || progress < timeout) ? progress : timeout;
    if (deadline === this.armedFor) return;
    this.disarm();
    if (deadline === undefined) return;
    this.armedFor = deadline;
    this.deadlineTimer = this.deps.clock.setTimeout(() => {
      this.deadlineTimer = undefined;
      this.armedFor = undefined;
      if (!this.stopped) this.actor.send({ type: 'tick', now: this.deps.clock.now() });
    }, Math.max(0, deadline - this.deps.clock.now()));
  }

  private disarm(): void {
    if (this.deadlineTimer !== undefined) this.deps.clock.clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.armedFor = undefined;
  }

  private crashed(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.disarm();
    this.deps.onCrashed(this.deps.uid, error);
  }
}
