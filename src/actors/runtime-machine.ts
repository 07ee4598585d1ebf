// The machine as it runs: the placeholders of machine.ts replaced, in one place, by the effect
// executor and the retry backoff. The actor runtime and the unit tests' harness both build it here,
// so the tests run production's backoff.
import { fromPromise } from 'xstate';
import type { EffectBatch, EffectResult } from './effects.js';
import { remediationMachine } from './machine.js';
import { retryAttempts } from './notification-failures.js';
import { backoffDelay, type BackoffPolicy } from '../util/backoff.js';

export type RuntimeMachine = typeof remediationMachine;

export interface MachineEffects {
  /** Applies one batch of writes and answers with what the API server returned. */
  applyEffects: (batch: EffectBatch) => Promise<EffectResult>;
  /** The wait before a failed batch is tried again, by consecutive failures. */
  retryBackoff: BackoffPolicy;
}

/**
 * `machine.provide()` builds a whole new machine definition; once per actor it cost about 45 KB of
 * heap and the CPU to build it. All actors of one supervisor share one executor and retry policy,
 * so they share one provided machine.
 */
const provided = new WeakMap<MachineEffects['applyEffects'], Map<string, RuntimeMachine>>();

export function runtimeMachine({ applyEffects, retryBackoff }: MachineEffects): RuntimeMachine {
  let byPolicy = provided.get(applyEffects);
  if (!byPolicy) provided.set(applyEffects, (byPolicy = new Map<string, RuntimeMachine>()));
  const key = `${retryBackoff.initialMs}/${retryBackoff.maxMs}/${retryBackoff.jitter}`;
  let machine = byPolicy.get(key);
  if (!machine) {
    machine = remediationMachine.provide({
      actors: { applyEffects: fromPromise<EffectResult, EffectBatch>(({ input }) => applyEffects(input)) },
      // `attempts` counts the failures so far, at least one here: the first retry waits initialMs.
      delays: {
        retryDelay: ({ context }) => backoffDelay(retryBackoff, context.attempts - 1),
        notificationRetryDelay: ({ context }) =>
          backoffDelay(retryBackoff, retryAttempts(context.failedNotifications) - 1),
      },
    });
    byPolicy.set(key, machine);
  }
  return machine;
}
