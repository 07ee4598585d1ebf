// An actor that crashed more than its restart budget stays stopped, and its request says so: the
// condition ActorStopped and one Warning Event, written through the same effect executor as the
// actors' writes. The actor is tried again only when the request changes in a way a person makes it
// change (its spec, the cancel annotation, its deletion): never on a status write, our own included.
import type { EffectBatch, EffectResult, KubeEvent, RequestRef } from '../actors/effects.js';
import type { Status } from '../actors/status.js';
import { LIMITS, type RemediationRequest, type RequestCondition } from '../api/index.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';
import type { Clock } from '../util/clock.js';
import { fitText } from '../util/fit.js';
import { setClampedTimeout, type TimerHandle } from '../util/timer.js';

export const ACTOR_STOPPED = 'ActorStopped' satisfies RequestCondition;
export const CRASHED_TOO_OFTEN = 'CrashedTooOften';

type Condition = NonNullable<Status['conditions']>[number];

/** What of a request, when it changes, earns its stopped actor another try (the caches keep no other annotation). */
export function changeMark(rr: RemediationRequest): string {
  const m = rr.metadata;
  return JSON.stringify([m?.generation ?? null, m?.annotations ?? {}, m?.deletionTimestamp !== undefined]);
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export function stoppedMessage(error: unknown, restarts: number): string {
  return (
    `The orchestrator's actor for this request crashed ${restarts + 1} times (restarted ${restarts} times); ` +
    `last error: ${errorText(error)}. It stays stopped until its spec changes, it is cancelled (the ` +
    `cancel annotation) or it is deleted. This is a bug of the orchestrator: please report it with this message and the log.`
  );
}

export const isStopped = (rr: RemediationRequest): boolean =>
  rr.status?.conditions?.some((c) => c.type === ACTOR_STOPPED && c.status === 'True') ?? false;

/** The request's whole status with the condition ActorStopped added (or replaced). */
export function withStoppedCondition(rr: RemediationRequest, message: string, now: number): Status {
  const condition: Condition = {
    type: ACTOR_STOPPED,
    status: 'True',
    reason: CRASHED_TOO_OFTEN,
    message: fitText(message, LIMITS.conditionMessage),
    lastTransitionTime: new Date(now).toISOString(),
    observedGeneration: rr.metadata?.generation,
  };
  const others = (rr.status?.conditions ?? []).filter((c) => c.type !== ACTOR_STOPPED);
  return { ...rr.status, conditions: [...others, condition] };
}

export interface StoppedReporterDeps {
  clock: Clock;
  retryBackoff: BackoffPolicy;
  /** The request as the caches have it now. */
  current(ref: RequestRef): RemediationRequest | undefined;
  applyEffects(batch: EffectBatch): Promise<EffectResult>;
  /** Told of each failed attempt: tried again after `retryInMs`, or never when that is undefined. */
  failed(ref: RequestRef, error: unknown, retryInMs: number | undefined): void;
}

/** Conflicts in a row answered at once, on the object as re-read; then the backoff applies. */
const MAX_CONFLICTS = 5;

interface Pending {
  message: string;
  attempt: number;
  conflicts: number;
  timer?: TimerHandle;
}

/**
 * Writes the condition ActorStopped (with its Event) on requests whose actor gave up, once each: a
 * request that shows it already gets nothing more. A failed write is tried again with backoff until it
 * succeeds, the request is gone, or `cancel`/`stop`.
 */
export class StoppedReporter {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly deps: StoppedReporterDeps) {}

  report(ref: RequestRef, error: unknown, restarts: number): void {
    this.cancel(ref.uid);
    const entry: Pending = { message: stoppedMessage(error, restarts), attempt: 0, conflicts: 0 };
    this.pending.set(ref.uid, entry);
    void this.write(ref, entry, this.current(ref));
  }

  cancel(uid: string): void {
    this.pending.get(uid)?.timer?.cancel();
    this.pending.delete(uid);
  }

  stop(): void {
    for (const uid of [...this.pending.keys()]) this.cancel(uid);
  }

  private current(ref: RequestRef): RemediationRequest | undefined {
    try {
      return this.deps.current(ref);
    } catch {
      return undefined;
    }
  }

  private async write(ref: RequestRef, entry: Pending, rr: RemediationRequest | undefined): Promise<void> {
    const live = (): boolean => this.pending.get(ref.uid) === entry;
    if (!live()) return;
    if (!rr || rr.metadata?.uid !== ref.uid || isStopped(rr)) {
      this.pending.delete(ref.uid);
      return;
    }
    let result: EffectResult;
    try {
      result = await this.deps.applyEffects(this.batch(ref, rr, entry.message));
    } catch (err) {
      if (live()) this.retryLater(ref, entry, err);
      return;
    }
    if (!live()) return;
    const reread = result.objects.findLast((o): o is RemediationRequest => o.kind === 'RemediationRequest');
    if (result.writtenStatus || !reread) {
      this.pending.delete(ref.uid);
      return;
    }
    // A conflict: the request changed under the write; again, on the object as re-read.
    if (++entry.conflicts <= MAX_CONFLICTS) void this.write(ref, entry, reread);
    else this.retryLater(ref, entry, new Error('the request kept changing under the write (409)'));
  }

  private retryLater(ref: RequestRef, entry: Pending, error: unknown): void {
    if ((error as { retryable?: unknown }).retryable === false) {
      this.pending.delete(ref.uid);
      this.deps.failed(ref, error, undefined);
      return;
    }
    const delay = backoffDelay(this.deps.retryBackoff, entry.attempt++);
    entry.conflicts = 0;
    this.deps.failed(ref, error, delay);
    entry.timer = setClampedTimeout(
      this.deps.clock,
      () => {
        entry.timer = undefined;
        void this.write(ref, entry, this.current(ref));
      },
      delay,
    );
  }

  private batch(ref: RequestRef, rr: RemediationRequest, message: string): EffectBatch {
    const event: KubeEvent = {
      type: 'Warning',
      reason: ACTOR_STOPPED,
      message: fitText(message, LIMITS.eventMessage),
      notable: true,
    };
    return {
      request: ref,
      observedMeta: {
        finalizers: rr.metadata?.finalizers ?? [],
        resourceVersion: rr.metadata?.resourceVersion,
      },
      creates: [],
      verify: [],
      cancels: [],
      status: {
        status: withStoppedCondition(rr, message, this.deps.clock.now()),
        resourceVersion: rr.metadata?.resourceVersion,
      },
      events: [event],
    };
  }
}
