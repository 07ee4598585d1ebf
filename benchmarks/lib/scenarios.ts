// The simulator scenarios the benchmark runs, and the simulated work each one contains.
import type { Scenario, ScenarioOverride } from '../../src/sim/scenario.js';
import { DEFAULT_SCENARIO, mergeScenario } from '../../src/sim/scenario.js';

/** Three sequential steps, as in the targets ("3-step plan"). */
const plan = DEFAULT_SCENARIO.plan;

export const SCENARIOS: Record<string, ScenarioOverride> = {
  /** Pure orchestration cost: every child answers at once, with its final phase only. */
  zero: {
    intermediatePhases: false,
    processing: { delayMs: 0 },
    analysis: { delayMs: 0 },
    workflow: { delayMs: 0 },
    execution: { delayMs: 0 },
    notification: { delayMs: 0 },
    plan,
  },
  /** Seconds per child, with intermediate phases, as real child controllers would answer. */
  realistic: {
    intermediatePhases: true,
    processing: { delayMs: 2000 },
    analysis: { delayMs: 5000 },
    workflow: { delayMs: 1000 },
    execution: { delayMs: 3000 },
    notification: { delayMs: 1000 },
    plan,
  },
};

export function resolveScenario(nameOrJson: string): {
  name: string;
  override: ScenarioOverride;
  scenario: Scenario;
} {
  const trimmed = nameOrJson.trim();
  const override = trimmed.startsWith('{') ? (JSON.parse(trimmed) as ScenarioOverride) : SCENARIOS[trimmed];
  if (!override)
    throw new Error(
      `--scenario: unknown scenario "${nameOrJson}"; use ${Object.keys(SCENARIOS).join(', ')} or a JSON override`,
    );
  return {
    name: trimmed.startsWith('{') ? 'custom' : trimmed,
    override,
    scenario: mergeScenario(DEFAULT_SCENARIO, override),
  };
}

/**
 * The simulated work on a request's critical path, ms: the delays of processing, analysis, planning
 * and the longest chain of dependent steps. The success notification's delay is not on it (the
 * request is Completed when the notification is created, not when it is sent).
 */
export function simulatedWorkMs(s: Scenario): number {
  const depth = new Map<string, number>();
  const byName = new Map(s.plan.map((step) => [step.name, step]));
  const chain = (name: string, seen = new Set<string>()): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 1;
    seen.add(name);
    const deps = byName.get(name)?.dependsOn ?? [];
    const d = 1 + Math.max(0, ...deps.map((dep) => chain(dep, seen)));
    depth.set(name, d);
    return d;
  };
  const longest = Math.max(0, ...s.plan.map((step) => chain(step.name)));
  return s.processing.delayMs + s.analysis.delayMs + s.workflow.delayMs + longest * s.execution.delayMs;
}
