// Which of the writer's lanes (k8s/writer.ts) a request's writes wait in.
import type { EffectBatch } from '../actors/effects.js';
import type { Lane } from '../k8s/writer.js';

/**
 * A request that storm protection holds or ends (Blocked, Skipped) waits behind every working
 * request, pickup included: in an alert storm thousands of them would otherwise delay the one
 * remediation they repeat. Otherwise a request's first sight goes first, so pickup waits for one write.
 */
export function laneOf(batch: Pick<EffectBatch, 'addFinalizer' | 'status'>): Lane {
  const phase = batch.status?.status.phase;
  if (phase === 'Blocked' || phase === 'Skipped') return 'suppressed';
  return batch.addFinalizer === true ? 'urgent' : 'normal';
}
