// What the simulated child controllers do with a child: its delays and outcomes. A scenario is the
// simulator's default, deep-merged with an override written as JSON in the child's
// spec.targetingData.annotations["sim.kubernaut.ai/scenario"].

/** The targeting-data annotation that carries a per-remediation scenario override as JSON. */
export const SCENARIO_ANNOTATION = 'sim.kubernaut.ai/scenario';

export interface PlanStep {
  name: string;
  action: string;
  dependsOn?: string[];
  parameters?: Record<string, unknown>;
}

export interface Scenario {
  /** Write Enriching/Investigating/Planning/Running before the final phase; false writes only the
   * final phase (fewer API writes, for benchmarks). Stuck outcomes still write the phase they stick in. */
  intermediatePhases: boolean;
  processing: { delayMs: number; outcome: 'Completed' | 'Failed' | 'Stuck' };
  analysis: {
    delayMs: number;
    outcome: 'Ready' | 'Rejected' | 'Failed' | 'Stuck';
    requiresApproval: boolean;
    approvalDecision: 'Approved' | 'Rejected' | 'None';
    approvalDelayMs: number;
    confidence: number;
  };
  workflow: { delayMs: number; outcome: 'Planned' | 'Failed' | 'Stuck' };
  /** The steps the analysis recommends (and so the workflow plans). */
  plan: PlanStep[];
  execution: { delayMs: number; failSteps: string[]; stuckSteps: string[] };
  notification: { delayMs: number; outcome: 'Sent' | 'Failed' };
}

/** A scenario override: every field optional, sections merged field by field, lists replaced. */
export type ScenarioOverride = {
  [K in keyof Scenario]?: Scenario[K] extends unknown[]
    ? Scenario[K]
    : Scenario[K] extends object
      ? Partial<Scenario[K]>
      : Scenario[K];
};

export const DEFAULT_SCENARIO: Scenario = Object.freeze({
  intermediatePhases: true,
  processing: { delayMs: 1000, outcome: 'Completed' },
  analysis: {
    delayMs: 1000,
    outcome: 'Ready',
    requiresApproval: false,
    approvalDecision: 'Approved',
    approvalDelayMs: 1000,
    confidence: 0.87,
  },
  workflow: { delayMs: 1000, outcome: 'Planned' },
  plan: [
    { name: 'scale-up', action: 'scale-deployment', parameters: { replicas: 5 } },
    {
      name: 'restart-pods',
      action: 'restart-pods',
      dependsOn: ['scale-up'],
      parameters: { gracePeriodSeconds: 30 },
    },
    { name: 'verify', action: 'verify-health', dependsOn: ['restart-pods'] },
  ],
  execution: { delayMs: 1000, failSteps: [], stuckSteps: [] },
  notification: { delayMs: 500, outcome: 'Sent' },
}) as Scenario;

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

// The same rule as the CRDs' step names, so that a plan the simulator recommends is always accepted.
const STEP_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type FieldRule = (value: unknown, path: string) => void;

function fail(path: string, rule: string, value: unknown): never {
  throw new ScenarioError(`${path} ${rule}, got ${JSON.stringify(value) ?? String(value)}`);
}

const bool: FieldRule = (v, p) => {
  if (typeof v !== 'boolean') fail(p, 'must be true or false', v);
};
const delay: FieldRule = (v, p) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    fail(p, 'must be a delay in milliseconds (a number >= 0)', v);
};
const oneOf =
  (...values: string[]): FieldRule =>
  (v, p) => {
    if (typeof v !== 'string' || !values.includes(v)) fail(p, `must be one of ${values.join(', ')}`, v);
  };
const fraction: FieldRule = (v, p) => {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(p, 'must be a number between 0 and 1', v);
};
const stepNames: FieldRule = (v, p) => {
  if (!Array.isArray(v)) fail(p, 'must be a list of step names', v);
  v.forEach((name: unknown, i) => {
    if (typeof name !== 'string' || !STEP_NAME.test(name) || name.length > 63)
      fail(`${p}[${i}]`, 'must be a step name (lowercase letters, digits and -, at most 63)', name);
  });
};

const SECTIONS: Record<Exclude<keyof Scenario, 'intermediatePhases' | 'plan'>, Record<string, FieldRule>> = {
  processing: { delayMs: delay, outcome: oneOf('Completed', 'Failed', 'Stuck') },
  analysis: {
    delayMs: delay,
    outcome: oneOf('Ready', 'Rejected', 'Failed', 'Stuck'),
    requiresApproval: bool,
    approvalDecision: oneOf('Approved', 'Rejected', 'None'),
    approvalDelayMs: delay,
    confidence: fraction,
  },
  workflow: { delayMs: delay, outcome: oneOf('Planned', 'Failed', 'Stuck') },
  execution: { delayMs: delay, failSteps: stepNames, stuckSteps: stepNames },
  notification: { delayMs: delay, outcome: oneOf('Sent', 'Failed') },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPlan(v: unknown, p: string): void {
  if (!Array.isArray(v)) fail(p, 'must be a list of steps {name, action, dependsOn?, parameters?}', v);
  if (v.length > 50) fail(p, 'must have at most 50 steps', `${v.length} steps`);
  const names = new Set<string>();
  v.forEach((step: unknown, i) => {
    const sp = `${p}[${i}]`;
    if (!isObject(step)) fail(sp, 'must be an object {name, action, dependsOn?, parameters?}', step);
    for (const key of Object.keys(step)) {
      if (!['name', 'action', 'dependsOn', 'parameters'].includes(key))
        fail(
          `${sp}.${key}`,
          'is not a field of a plan step (name, action, dependsOn, parameters)',
          step[key],
        );
    }
    if (typeof step.name !== 'string' || !STEP_NAME.test(step.name) || step.name.length > 63)
      fail(`${sp}.name`, 'must be a step name (lowercase letters, digits and -, at most 63)', step.name);
    if (names.has(step.name)) fail(`${sp}.name`, 'must be unique within the plan', step.name);
    names.add(step.name);
    if (typeof step.action !== 'string' || step.action.length < 1 || step.action.length > 128)
      fail(`${sp}.action`, 'must be a string of 1 to 128 characters', step.action);
    if (step.parameters !== undefined && !isObject(step.parameters))
      fail(`${sp}.parameters`, 'must be an object', step.parameters);
    if (step.dependsOn !== undefined) stepNames(step.dependsOn, `${sp}.dependsOn`);
  });
  v.forEach((step: PlanStep, i) => {
    (step.dependsOn ?? []).forEach((dep, j) => {
      if (!names.has(dep)) fail(`${p}[${i}].dependsOn[${j}]`, 'must name another step of the plan', dep);
    });
  });
}

/** Checks an override field by field; throws a ScenarioError that names the first bad field. */
export function validateOverride(value: unknown, path = 'scenario'): ScenarioOverride {
  if (!isObject(value)) fail(path, 'must be a JSON object', value);
  for (const [key, v] of Object.entries(value)) {
    const p = `${path}.${key}`;
    if (key === 'intermediatePhases') bool(v, p);
    else if (key === 'plan') checkPlan(v, p);
    else if (key in SECTIONS) {
      const rules = SECTIONS[key as keyof typeof SECTIONS];
      if (!isObject(v)) fail(p, `must be an object with some of ${Object.keys(rules).join(', ')}`, v);
      for (const [field, fv] of Object.entries(v)) {
        const rule = rules[field];
        if (!rule) fail(`${p}.${field}`, `is not a field of ${key} (${Object.keys(rules).join(', ')})`, fv);
        rule(fv, `${p}.${field}`);
      }
    } else {
      fail(p, `is not a scenario field (intermediatePhases, plan, ${Object.keys(SECTIONS).join(', ')})`, v);
    }
  }
  return value;
}

/** `base` with `override` deep-merged in: sections field by field, lists replaced. Validates the override. */
export function mergeScenario(
  base: Scenario,
  override: ScenarioOverride | undefined,
  path = 'scenario',
): Scenario {
  if (override === undefined) return base;
  const o = validateOverride(override, path);
  return {
    intermediatePhases: o.intermediatePhases ?? base.intermediatePhases,
    processing: { ...base.processing, ...o.processing },
    analysis: { ...base.analysis, ...o.analysis },
    workflow: { ...base.workflow, ...o.workflow },
    plan: o.plan ?? base.plan,
    execution: { ...base.execution, ...o.execution },
    notification: { ...base.notification, ...o.notification },
  };
}

/**
 * The scenario of a child: `base` merged with the JSON override of its scenario annotation.
 * Absent or blank JSON yields `base`; bad JSON or a bad field throws a ScenarioError naming it.
 */
export function parseScenario(json: string | undefined, base: Scenario): Scenario {
  if (json === undefined || json.trim() === '') return base;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new ScenarioError(
      `the ${SCENARIO_ANNOTATION} annotation is not valid JSON (${(err as Error).message}): write an object such as {"processing":{"outcome":"Failed"}}`,
    );
  }
  return mergeScenario(base, value as ScenarioOverride, 'scenario');
}
