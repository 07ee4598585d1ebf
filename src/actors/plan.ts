// The workflow plan as a dependency graph: validation, which steps may start, and the tally.
import type { WorkflowExecution } from '../api/index.js';

export type PlanStep = NonNullable<
  NonNullable<NonNullable<WorkflowExecution['status']>['plan']>['steps']
>[number];
export type StepPhase = 'Pending' | 'Running' | 'Completed' | 'Failed';

/** Returns why a plan cannot run (duplicate names, unknown dependencies, a cycle), or undefined. */
export function planProblem(steps: readonly PlanStep[]): string | undefined {
  const names = new Set<string>();
  for (const step of steps) {
    if (names.has(step.name)) return `step "${step.name}" appears twice in the plan`;
    names.add(step.name);
  }
  for (const step of steps) {
    for (const dep of step.dependsOn ?? []) {
      if (!names.has(dep)) return `step "${step.name}" depends on "${dep}", which is not in the plan`;
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const byName = new Map(steps.map((s) => [s.name, s]));
  const visit = (name: string, path: string[]): string | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting')
      return `the plan has a dependency cycle: ${[...path, name].join(' -> ')}`;
    state.set(name, 'visiting');
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      const cycle = visit(dep, [...path, name]);
      if (cycle) return cycle;
    }
    state.set(name, 'done');
    return undefined;
  };
  for (const step of steps) {
    const cycle = visit(step.name, []);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Steps not started yet whose dependencies have all completed: these may start now, together. */
export function readySteps(steps: readonly PlanStep[], phases: ReadonlyMap<string, StepPhase>): PlanStep[] {
  return steps.filter(
    (step) =>
      !phases.has(step.name) && (step.dependsOn ?? []).every((dep) => phases.get(dep) === 'Completed'),
  );
}

export interface StepTally {
  total: number;
  completed: number;
  failed: number;
}

export function tallySteps(steps: readonly PlanStep[], phases: ReadonlyMap<string, StepPhase>): StepTally {
  let completed = 0;
  let failed = 0;
  for (const step of steps) {
    const phase = phases.get(step.name);
    if (phase === 'Completed') completed++;
    else if (phase === 'Failed') failed++;
  }
  return { total: steps.length, completed, failed };
}
