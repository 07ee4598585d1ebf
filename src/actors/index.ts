// One actor per RemediationRequest: the xstate phase machine (pure guards, effects as data) and the
// runtime that feeds it observations, arms its deadline and hands its writes to an injected executor.
export { RemediationActor, type ActorHost, type ActorObserver } from './actor.js';
export { remediationMachine, type RemediationContext, type RemediationEvent } from './machine.js';
export { nextEffects, type EffectBatch, type EffectResult } from './effects.js';
export type { Observed } from './observed.js';
export { PHASES, isTerminal, type Phase } from './phases.js';
export type { Settings } from './status.js';
