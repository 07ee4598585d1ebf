import { expect } from 'chai';
import {
  desiredStatus,
  effectiveTimeouts,
  enterPhase,
  lastActivePhase,
  ledgerFrom,
  nextDeadline,
  sameJson,
  type Ledger,
  type Status,
} from '../../src/actors/status.js';
import type { Observed } from '../../src/actors/observed.js';
import { MINUTE, T0, request, testSettings } from '../support/machine-harness.js';

type Spec = ReturnType<typeof request>['spec'];
const rrWith = (timeouts?: Spec['timeouts'], status?: Status) => ({
  ...request('rr1', timeouts ? { timeouts } : {}),
  status,
});
const observed = (status?: Status): Observed => ({
  rr: rrWith(undefined, status),
  executions: {},
  notifications: {},
});
const empty: Ledger = { phaseHistory: [] };
const walk = (...phases: NonNullable<Ledger['phase']>[]): Ledger =>
  phases.reduce(
    (l, phase, i) =>
      enterPhase(
        l,
        { phase, reason: phase === 'Failed' ? 'StepFailed' : undefined },
        T0 + i * MINUTE,
        testSettings,
      ),
    empty,
  );
const at = (iso: string | undefined) => Date.parse(iso ?? '');

describe('status: the ledger and the derived status', function () {
  describe('effectiveTimeouts', function () {
    it('uses the controller defaults without overrides', function () {
      expect(effectiveTimeouts(rrWith(), testSettings.timeouts)).to.deep.equal(testSettings.timeouts);
    });

    it('takes valid per-request overrides', function () {
      expect(
        effectiveTimeouts(
          rrWith({ global: '2h', executing: '1h30m', processing: '90s' }),
          testSettings.timeouts,
        ),
      ).to.include({ global: 7_200_000, executing: 5_400_000, processing: 90_000, analyzing: 900_000 });
    });

    it('keeps the default for malformed, empty, zero or negative overrides', function () {
      const t = effectiveTimeouts(
        rrWith({
          global: 'soon',
          processing: '',
          analyzing: '0s',
          awaitingApproval: '-5m',
          workflowPlanning: '15',
        }),
        testSettings.timeouts,
      );
      expect(t).to.deep.equal(testSettings.timeouts);
    });
  });

  describe('enterPhase and the phase history', function () {
    it('closes the previous entry and opens the next, keeping startTime from the first', function () {
      const l = walk('Pending', 'Initializing', 'Processing');
      expect(
        l.phaseHistory.map((h) => [h.phase, at(h.enteredAt) - T0, h.exitedAt && at(h.exitedAt) - T0]),
      ).to.deep.equal([
        ['Pending', 0, MINUTE],
        ['Initializing', MINUTE, 2 * MINUTE],
        ['Processing', 2 * MINUTE, undefined],
      ]);
      expect(at(l.startTime)).to.equal(T0);
      expect(at(l.phaseStartTime)).to.equal(T0 + 2 * MINUTE);
      expect(l.completionTime).to.equal(undefined);
    });

    it('sets completionTime, retentionExpiryTime and success on a terminal phase and closes its entry', function () {
      const done = walk('Pending', 'Executing', 'Completed');
      expect(done.success).to.equal(true);
      expect(at(done.completionTime)).to.equal(T0 + 2 * MINUTE);
      expect(at(done.retentionExpiryTime)).to.equal(T0 + 2 * MINUTE + testSettings.retentionMs);
      expect(at(done.phaseHistory.at(-1)?.exitedAt)).to.equal(T0 + 2 * MINUTE);
      const failed = walk('Pending', 'Executing', 'Failed');
      expect(failed).to.include({ success: false, reason: 'StepFailed' });
      expect(failed.phaseHistory.at(-1)).to.include({ phase: 'Failed', reason: 'StepFailed' });
    });

    it('records timeoutPhase for a timeout', function () {
      const l = enterPhase(
        walk('Pending', 'Processing'),
        { phase: 'TimedOut', reason: 'PhaseTimeout', timeoutPhase: 'Processing' },
        T0 + 20 * MINUTE,
        testSettings,
      );
      expect(l).to.include({ phase: 'TimedOut', timeoutPhase: 'Processing' });
    });

    it('bounds the history to historyLimit entries, dropping the oldest', function () {
      const settings = { ...testSettings, historyLimit: 3 };
      let l = empty;
      for (const [i, phase] of (
        ['Pending', 'Initializing', 'Processing', 'Analyzing', 'WorkflowPlanning'] as const
      ).entries())
        l = enterPhase(l, { phase }, T0 + i, settings);
      expect(l.phaseHistory.map((h) => h.phase)).to.deep.equal([
        'Processing',
        'Analyzing',
        'WorkflowPlanning',
      ]);
      expect(at(l.startTime)).to.equal(T0);
    });

    it('finds the phase a terminal request ended in', function () {
      expect(lastActivePhase(walk('Pending', 'Analyzing', 'Failed'))).to.equal('Analyzing');
      expect(lastActivePhase(walk('Cancelled'))).to.equal(undefined);
    });

    it('rebuilds the ledger from a written status, and an empty one from none', function () {
      const l = walk('Pending', 'Processing');
      expect(sameJson(ledgerFrom({ ...l, conditions: [] }), l)).to.equal(true);
      expect(sameJson(ledgerFrom(undefined), empty)).to.equal(true);
    });
  });

  describe('nextDeadline', function () {
    it('is the earlier of the phase deadline and the global deadline', function () {
      expect(nextDeadline(walk('Processing'), rrWith(), testSettings)).to.deep.equal({
        at: T0 + 15 * MINUTE,
        kind: 'phase',
        phase: 'Processing',
        limitMs: 15 * MINUTE,
      });
      expect(nextDeadline(walk('Processing'), rrWith({ global: '10m' }), testSettings)).to.deep.equal({
        at: T0 + 10 * MINUTE,
        kind: 'global',
        phase: 'Processing',
        limitMs: 10 * MINUTE,
      });
    });

    it('counts Pending and Initializing against the processing timeout', function () {
      for (const phase of ['Pending', 'Initializing'] as const)
        expect(nextDeadline(walk(phase), rrWith({ processing: '3m' }), testSettings)?.at).to.equal(
          T0 + 3 * MINUTE,
        );
    });

    it('has none for a new or a terminal request', function () {
      expect(nextDeadline(empty, rrWith(), testSettings)).to.equal(undefined);
      expect(nextDeadline(walk('Processing', 'Completed'), rrWith(), testSettings)).to.equal(undefined);
    });
  });

  describe('desiredStatus and conditions', function () {
    it('keeps lastTransitionTime of a condition whose status did not change', function () {
      const l = walk('Pending', 'Processing');
      const first = desiredStatus(l, observed(), testSettings, T0 + 5 * MINUTE);
      const ready = first.conditions?.find((c) => c.type === 'Ready');
      expect(ready).to.include({ status: 'False', reason: 'InProgress' });
      const second = desiredStatus(
        walk('Pending', 'Processing', 'Analyzing'),
        observed(first),
        testSettings,
        T0 + 9 * MINUTE,
      );
      expect(second.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).to.equal(
        ready?.lastTransitionTime,
      );
      const done = desiredStatus(
        walk('Pending', 'Executing', 'Completed'),
        observed(second),
        testSettings,
        T0 + 10 * MINUTE,
      );
      expect(at(done.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime)).to.equal(
        T0 + 10 * MINUTE,
      );
    });

    it('reports a failed phase in its condition and in Ready, with the reason and message', function () {
      const l: Ledger = {
        ...walk('Pending', 'Processing', 'Analyzing', 'Failed'),
        reason: 'AnalysisFailed',
        message: 'model down',
      };
      const conditions = desiredStatus(l, observed(), testSettings, T0).conditions ?? [];
      expect(conditions.map((c) => [c.type, c.status, c.reason])).to.deep.equal([
        ['ProcessingComplete', 'True', 'Enriched'],
        ['AnalysisComplete', 'False', 'AnalysisFailed'],
        ['Ready', 'False', 'AnalysisFailed'],
      ]);
      expect(conditions.at(-1)?.message).to.equal('model down');
    });

    it('marks Approved False after an approval was rejected and True after approval', function () {
      const rejected: Ledger = {
        ...walk('Pending', 'Analyzing', 'AwaitingApproval', 'Failed'),
        reason: 'ApprovalRejected',
      };
      expect(
        desiredStatus(rejected, observed(), testSettings, T0).conditions?.find((c) => c.type === 'Approved'),
      ).to.include({ status: 'False', reason: 'Rejected' });
      const approved = walk('Pending', 'Analyzing', 'AwaitingApproval', 'WorkflowPlanning');
      expect(
        desiredStatus(approved, observed(), testSettings, T0).conditions?.find((c) => c.type === 'Approved'),
      ).to.include({ status: 'True', message: 'Approved by an approver.' });
    });

    it('shows recorded refs while the caches lack the children, and drops undefined fields', function () {
      const recorded: Status = {
        remediationProcessingRef: { name: 'rr1-processing', namespace: 'ns', uid: 'u1' },
        kubernetesExecutionRefs: [
          { step: 'a', name: 'rr1-step-a', namespace: 'ns', uid: 'u2', phase: 'Completed' },
          { step: 'b', name: 'rr1-step-b', namespace: 'ns', uid: 'u3' },
        ],
        notificationRefs: [{ type: 'escalation', name: 'rr1-escalation', namespace: 'ns', uid: 'u4' }],
        approvalNotificationSent: true,
      };
      const s = desiredStatus(walk('Pending', 'Executing'), observed(recorded), testSettings, T0);
      expect(s.remediationProcessingRef).to.deep.equal(recorded.remediationProcessingRef);
      expect(s.kubernetesExecutionRefs).to.deep.equal([
        { ...recorded.kubernetesExecutionRefs![0] },
        { ...recorded.kubernetesExecutionRefs![1], phase: 'Pending' },
      ]);
      expect(s.notificationRefs).to.deep.equal(recorded.notificationRefs);
      expect(s.approvalNotificationSent).to.equal(true);
      expect(s.conditions?.find((c) => c.type === 'Escalated')?.status).to.equal('True');
      expect(Object.values(s).includes(undefined)).to.equal(false);
      expect('aiAnalysisRef' in s).to.equal(false);
    });
  });

  describe('sameJson', function () {
    it('compares JSON values deeply, ignoring key order and undefined fields', function () {
      expect(sameJson({ a: 1, b: [1, { c: 2 }], u: undefined }, { b: [1, { c: 2 }], a: 1 })).to.equal(true);
      expect(sameJson({ a: 1 }, { a: 2 })).to.equal(false);
      expect(sameJson([1, 2], [1, 2, 3])).to.equal(false);
      expect(sameJson([1], { 0: 1 })).to.equal(false);
      expect(sameJson({ a: 1 }, { a: 1, b: 2 })).to.equal(false);
      expect(sameJson(null, {})).to.equal(false);
      expect(sameJson('x', 'x')).to.equal(true);
    });
  });
});
