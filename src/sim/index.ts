// A simulator of OTHER TEAMS' child controllers (processing, AI analysis, workflow, execution,
// notification), not product code: it writes the status of the children the orchestrator creates,
// following a scenario, so that the demo, the integration tests and the benchmarks can run without
// the real controllers. The orchestrator never imports it. See docs/simulator.md.
export { startSimulator, type Simulator, type SimulatorOptions, type SimulatorStats } from './simulator.js';
export {
  DEFAULT_SCENARIO,
  SCENARIO_ANNOTATION,
  ScenarioError,
  mergeScenario,
  parseScenario,
  validateOverride,
  type PlanStep,
  type Scenario,
  type ScenarioOverride,
} from './scenario.js';
export { nextStep, phaseOf, APPROVER, type ChildObject, type Step, type StatusPatch } from './steps.js';
