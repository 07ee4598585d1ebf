import { expect } from 'chai';
import {
  DEFAULT_SCENARIO,
  mergeScenario,
  parseScenario,
  SCENARIO_ANNOTATION,
  ScenarioError,
} from '../../src/sim/index.js';

describe('simulator scenarios', function () {
  it('uses the base scenario when the annotation is absent or blank', function () {
    expect(parseScenario(undefined, DEFAULT_SCENARIO)).to.equal(DEFAULT_SCENARIO);
    expect(parseScenario('  ', DEFAULT_SCENARIO)).to.equal(DEFAULT_SCENARIO);
    expect(SCENARIO_ANNOTATION).to.equal('sim.kubernaut.ai/scenario');
  });

  it('has the documented defaults: intermediate phases, success everywhere, a three-step chain', function () {
    expect(DEFAULT_SCENARIO.intermediatePhases).to.equal(true);
    expect(DEFAULT_SCENARIO.processing).to.deep.equal({ delayMs: 1000, outcome: 'Completed' });
    expect(DEFAULT_SCENARIO.analysis.requiresApproval).to.equal(false);
    expect(DEFAULT_SCENARIO.plan.map((s) => [s.name, s.dependsOn ?? []])).to.deep.equal([
      ['scale-up', []],
      ['restart-pods', ['scale-up']],
      ['verify', ['restart-pods']],
    ]);
  });

  it('deep-merges sections field by field and keeps what the override leaves out', function () {
    const s = parseScenario(
      '{"processing":{"outcome":"Failed"},"analysis":{"requiresApproval":true,"approvalDelayMs":0}}',
      DEFAULT_SCENARIO,
    );
    expect(s.processing).to.deep.equal({ delayMs: 1000, outcome: 'Failed' });
    expect(s.analysis).to.deep.equal({
      ...DEFAULT_SCENARIO.analysis,
      requiresApproval: true,
      approvalDelayMs: 0,
    });
    expect(s.workflow).to.deep.equal(DEFAULT_SCENARIO.workflow);
    expect(s.plan).to.deep.equal(DEFAULT_SCENARIO.plan);
    expect(s.intermediatePhases).to.equal(true);
  });

  it('replaces lists instead of merging them', function () {
    const s = parseScenario(
      '{"plan":[{"name":"only","action":"noop"}],"execution":{"failSteps":["only"]}}',
      DEFAULT_SCENARIO,
    );
    expect(s.plan).to.deep.equal([{ name: 'only', action: 'noop' }]);
    expect(s.execution).to.deep.equal({ delayMs: 1000, failSteps: ['only'], stuckSteps: [] });
    expect(parseScenario('{"plan":[]}', DEFAULT_SCENARIO).plan).to.deep.equal([]);
  });

  it('merges over any base, not only the default', function () {
    const base = mergeScenario(DEFAULT_SCENARIO, { intermediatePhases: false, processing: { delayMs: 5 } });
    const s = parseScenario('{"processing":{"outcome":"Stuck"}}', base);
    expect(s.processing).to.deep.equal({ delayMs: 5, outcome: 'Stuck' });
    expect(s.intermediatePhases).to.equal(false);
  });

  it('does not change the base it merges into', function () {
    const before = JSON.stringify(DEFAULT_SCENARIO);
    parseScenario('{"processing":{"delayMs":1},"plan":[]}', DEFAULT_SCENARIO);
    expect(JSON.stringify(DEFAULT_SCENARIO)).to.equal(before);
  });

  const bad: [string, RegExp][] = [
    ['{not json', /sim\.kubernaut\.ai\/scenario annotation is not valid JSON/],
    ['[1]', /^scenario must be a JSON object, got \[1\]/],
    [
      '{"processing":{"outcome":"Done"}}',
      /^scenario\.processing\.outcome must be one of Completed, Failed, Stuck, got "Done"/,
    ],
    [
      '{"processing":{"delayMs":-1}}',
      /^scenario\.processing\.delayMs must be a delay in milliseconds .*got -1/,
    ],
    [
      '{"processing":{"delay":5}}',
      /^scenario\.processing\.delay is not a field of processing \(delayMs, outcome\)/,
    ],
    ['{"processing":"fast"}', /^scenario\.processing must be an object/],
    [
      '{"analysis":{"confidence":1.5}}',
      /^scenario\.analysis\.confidence must be a number between 0 and 1, got 1\.5/,
    ],
    [
      '{"analysis":{"requiresApproval":"yes"}}',
      /^scenario\.analysis\.requiresApproval must be true or false, got "yes"/,
    ],
    [
      '{"analysis":{"approvalDecision":"Maybe"}}',
      /^scenario\.analysis\.approvalDecision must be one of Approved, Rejected, None/,
    ],
    ['{"intermediatePhases":1}', /^scenario\.intermediatePhases must be true or false/],
    ['{"speed":"fast"}', /^scenario\.speed is not a scenario field/],
    ['{"plan":{}}', /^scenario\.plan must be a list of steps/],
    ['{"plan":[{"name":"Bad_Name","action":"x"}]}', /^scenario\.plan\[0\]\.name must be a step name/],
    [
      '{"plan":[{"name":"a"}]}',
      /^scenario\.plan\[0\]\.action must be a string of 1 to 128 characters, got undefined/,
    ],
    [
      '{"plan":[{"name":"a","action":"x"},{"name":"a","action":"y"}]}',
      /^scenario\.plan\[1\]\.name must be unique/,
    ],
    [
      '{"plan":[{"name":"a","action":"x","dependsOn":["b"]}]}',
      /^scenario\.plan\[0\]\.dependsOn\[0\] must name another step of the plan, got "b"/,
    ],
    [
      '{"plan":[{"name":"a","action":"x","timeout":"5m"}]}',
      /^scenario\.plan\[0\]\.timeout is not a field of a plan step/,
    ],
    ['{"execution":{"failSteps":"verify"}}', /^scenario\.execution\.failSteps must be a list of step names/],
    ['{"notification":{"outcome":"Lost"}}', /^scenario\.notification\.outcome must be one of Sent, Failed/],
  ];
  for (const [json, message] of bad) {
    it(`rejects ${json} naming the field`, function () {
      expect(() => parseScenario(json, DEFAULT_SCENARIO)).to.throw(ScenarioError, message);
    });
  }

  it('names the default scenario in errors of the simulator options', function () {
    expect(() =>
      mergeScenario(DEFAULT_SCENARIO, { processing: { delayMs: Number.NaN } }, 'defaultScenario'),
    ).to.throw(/^defaultScenario\.processing\.delayMs/);
  });
});
