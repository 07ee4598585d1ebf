import { expect } from 'chai';
import { planProblem, readySteps, tallySteps, type PlanStep, type StepPhase } from '../../src/actors/plan.js';

const step = (name: string, ...dependsOn: string[]): PlanStep => ({ name, action: 'restart', dependsOn });
const phases = (entries: Record<string, StepPhase>) => new Map(Object.entries(entries));
const names = (steps: PlanStep[]) => steps.map((s) => s.name);
const diamond = [step('a'), step('b', 'a'), step('c', 'a'), step('d', 'b', 'c')];

describe('plan: the workflow plan as a dependency graph', function () {
  describe('planProblem', function () {
    it('accepts an empty plan, independent steps and a diamond', function () {
      expect(planProblem([])).to.equal(undefined);
      expect(planProblem([step('a'), step('b')])).to.equal(undefined);
      expect(planProblem(diamond)).to.equal(undefined);
    });

    it('accepts steps listed after the steps that depend on them', function () {
      expect(planProblem([step('b', 'a'), step('a')])).to.equal(undefined);
    });

    it('accepts a step without dependsOn', function () {
      expect(planProblem([{ name: 'a', action: 'restart' }])).to.equal(undefined);
    });

    it('names a duplicate step', function () {
      expect(planProblem([step('a'), step('b'), step('a')])).to.equal('step "a" appears twice in the plan');
    });

    it('names a dependency that is not in the plan', function () {
      expect(planProblem([step('a'), step('b', 'a', 'ghost')])).to.equal(
        'step "b" depends on "ghost", which is not in the plan',
      );
    });

    it('names the path of a cycle, a step depending on itself included', function () {
      expect(planProblem([step('a', 'c'), step('b', 'a'), step('c', 'b')])).to.equal(
        'the plan has a dependency cycle: a -> c -> b -> a',
      );
      expect(planProblem([step('a', 'a')])).to.equal('the plan has a dependency cycle: a -> a');
      expect(planProblem([step('x'), step('a', 'x', 'b'), step('b', 'a')])).to.equal(
        'the plan has a dependency cycle: a -> b -> a',
      );
    });
  });

  describe('readySteps', function () {
    it('starts every step without dependencies at once', function () {
      expect(names(readySteps([step('a'), step('b'), step('c', 'a')], new Map()))).to.deep.equal(['a', 'b']);
    });

    it('starts a step only when all its dependencies completed', function () {
      expect(names(readySteps(diamond, phases({ a: 'Completed' })))).to.deep.equal(['b', 'c']);
      expect(
        names(readySteps(diamond, phases({ a: 'Completed', b: 'Completed', c: 'Running' }))),
      ).to.deep.equal([]);
      expect(
        names(readySteps(diamond, phases({ a: 'Completed', b: 'Completed', c: 'Completed' }))),
      ).to.deep.equal(['d']);
    });

    it('never starts a step twice, nor one behind a failed dependency', function () {
      expect(names(readySteps(diamond, phases({ a: 'Pending' })))).to.deep.equal([]);
      expect(
        names(readySteps(diamond, phases({ a: 'Completed', b: 'Failed', c: 'Completed' }))),
      ).to.deep.equal([]);
    });
  });

  describe('tallySteps', function () {
    it('counts the steps of the plan by phase, ignoring steps not in it', function () {
      expect(
        tallySteps(diamond, phases({ a: 'Completed', b: 'Failed', c: 'Running', zz: 'Completed' })),
      ).to.deep.equal({ total: 4, completed: 1, failed: 1 });
      expect(tallySteps([], new Map())).to.deep.equal({ total: 0, completed: 0, failed: 0 });
    });
  });
});
