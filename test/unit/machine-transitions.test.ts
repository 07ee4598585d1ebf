// Every transition of shared/API.md "The phases", one test each, on the machine with a simulated clock.
import { expect } from 'chai';
import type { ChildKindName } from '../../src/api/index.js';
import {
  approvalContext,
  approved,
  approving,
  harness,
  planned,
  ready,
  request,
  testSettings,
  type Harness,
  type Reachable,
} from '../support/machine-harness.js';

/** The request ended Failed with `reason` after `failedPhase`, with exactly one escalation. */
function expectFailed(h: Harness, reason: string, failedPhase: string): void {
  expect(h.status()).to.include({ phase: 'Failed', reason, success: false });
  expect(h.status().completionTime).to.be.a('string');
  const escalations = h.cluster.ofKind('NotificationRequest').filter((n) => n.spec.type === 'escalation');
  expect(escalations).to.have.length(1);
  expect((escalations[0]!.spec.metadata as Record<string, string>).failedPhase).to.equal(failedPhase);
  expect(h.status().conditions?.find((c) => c.type === 'Escalated')?.status).to.equal('True');
}

const condition = (h: Harness, type: string) => h.status().conditions?.find((c) => c.type === type);
const historyOf = (h: Harness) => h.status().phaseHistory?.map((p) => p.phase);

describe('the remediation machine: transitions of API.md', function () {
  describe('Pending and Initializing', function () {
    it('goes Pending -> Initializing -> Processing, recording each phase in phaseHistory', async function () {
      const h = harness();
      await h.settle();
      expect(h.cluster.writes).to.deep.equal([
        'status Pending',
        'addFinalizer',
        'create RemediationProcessing rr1-processing',
        'status Processing',
      ]);
      expect(h.cluster.events.map((e) => e.message)).to.deep.equal([
        'New -> Pending',
        'Pending -> Initializing',
        'Initializing -> Processing',
      ]);
      expect(historyOf(h)).to.deep.equal(['Pending', 'Initializing', 'Processing']);
      expect(
        h
          .status()
          .phaseHistory?.slice(0, 2)
          .every((p) => p.exitedAt !== undefined),
      ).to.equal(true);
      expect(h.status().phaseHistory?.[2]?.exitedAt).to.equal(undefined);
      expect(h.status().overallProgress).to.equal(10);
      expect(h.cluster.names('RemediationProcessing')).to.deep.equal(['rr1-processing']);
      expect(condition(h, 'Ready')).to.include({ status: 'False', reason: 'InProgress' });
    });

    it('fails Initializing with InvalidTargetingData for a fingerprint the schema should have rejected, creating no processing', async function () {
      const rr = request('bad');
      rr.spec.targetingData.signalFingerprint = 'fp with spaces';
      const h = harness(rr);
      await h.settle();
      await h.observe();
      expectFailed(h, 'InvalidTargetingData', 'Initializing');
      expect(h.status().message).to.match(/signalFingerprint "fp with spaces" must be 1-128 characters/);
      expect(h.cluster.ofKind('RemediationProcessing')).to.have.length(0);
      expect(historyOf(h)).to.deep.equal(['Pending', 'Initializing', 'Failed']);
    });

    it('creates the processing with the labels, owner and a full copy of the targeting data', async function () {
      const h = harness();
      await h.reach('Processing');
      const rp = h.cluster.child('rr1-processing');
      expect(rp.metadata.labels).to.deep.equal({
        'kubernaut.ai/remediation-request': 'rr1',
        'kubernaut.ai/component': 'processing',
      });
      expect(rp.metadata.ownerReferences).to.deep.equal([
        {
          apiVersion: 'remediation.kubernaut.ai/v1alpha1',
          kind: 'RemediationRequest',
          name: 'rr1',
          uid: 'rr-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(rp.spec.targetingData).to.deep.equal(request().spec.targetingData);
    });
  });

  describe('Processing', function () {
    it('goes Processing -> Analyzing when the processing completes, creating the analysis with its enrichedData', async function () {
      const h = harness();
      await h.reach('Processing');
      await h.childStatus('rr1-processing', { phase: 'Enriching' });
      expect(h.status().phase).to.equal('Processing');
      await h.childStatus('rr1-processing', { phase: 'Completed', enrichedData: { owner: 'team-a' } });
      expect(h.status()).to.include({ phase: 'Analyzing', overallProgress: 30 });
      const aia = h.cluster.child('rr1-aianalysis');
      expect(aia.spec).to.include({ signalFingerprint: 'fp-1' });
      expect(aia.spec.enrichedData).to.deep.equal({ owner: 'team-a' });
      expect(condition(h, 'ProcessingComplete')).to.include({ status: 'True', reason: 'Enriched' });
    });
  });

  describe('Analyzing', function () {
    it('goes Analyzing -> AwaitingApproval with one approval notification carrying the approvalContext', async function () {
      const h = harness();
      await h.reach('Analyzing');
      await h.childStatus('rr1-aianalysis', approving);
      expect(h.status()).to.include({
        phase: 'AwaitingApproval',
        approvalNotificationSent: true,
        overallProgress: 40,
      });
      const [nr] = h.cluster.ofKind('NotificationRequest');
      expect(nr?.spec).to.include({ type: 'approval', priority: 'critical' });
      expect(nr?.spec.approvalContext).to.deep.equal(approvalContext);
      expect(nr?.metadata.ownerReferences).to.equal(undefined);
      expect(h.status().notificationRefs).to.deep.equal([
        { type: 'approval', name: 'rr1-approval-rr-uid', namespace: 'ns', uid: 'uid-rr1-approval-rr-uid' },
      ]);
      expect(condition(h, 'Approved')).to.include({ status: 'Unknown', reason: 'AwaitingApproval' });
      await h.childStatus('rr1-aianalysis', { message: 'still waiting' });
      expect(h.cluster.ofKind('NotificationRequest')).to.have.length(1);
      expect(h.cluster.ofKind('WorkflowExecution')).to.have.length(0);
    });

    it('never sends a second approval notification, even after the first one was deleted', async function () {
      const h = harness();
      await h.reach('AwaitingApproval');
      h.cluster.deleteChild('rr1-approval-rr-uid');
      await h.observe(['rr1-approval-rr-uid']);
      await h.childStatus('rr1-aianalysis', { message: 'still waiting' });
      expect(h.cluster.ofKind('NotificationRequest')).to.have.length(0);
      expect(h.status()).to.include({ phase: 'AwaitingApproval', approvalNotificationSent: true });
    });

    it('goes Analyzing -> WorkflowPlanning when the analysis is Ready without approval, creating the workflow with the recommendations', async function () {
      const h = harness();
      await h.reach('Analyzing');
      await h.childStatus('rr1-aianalysis', ready());
      expect(h.status()).to.include({ phase: 'WorkflowPlanning', overallProgress: 45 });
      expect(h.status().approval).to.equal(undefined);
      expect(h.status().approvalNotificationSent).to.equal(undefined);
      expect(h.notificationTypes()).to.deep.equal([]);
      expect(h.cluster.child('rr1-workflow').spec.recommendations).to.deep.equal([
        { name: 'a', action: 'restart' },
      ]);
      expect(condition(h, 'AnalysisComplete')).to.include({ status: 'True' });
      expect(condition(h, 'Approved')).to.equal(undefined);
    });

    it('goes Analyzing -> WorkflowPlanning when Approving and Ready arrive in one observation: no approval notification, the approval copied', async function () {
      const h = harness();
      await h.reach('Analyzing');
      await h.childStatus('rr1-aianalysis', {
        ...ready({ approval: approved }),
        requiresApproval: true,
        approvalContext,
      });
      expect(h.status().phase).to.equal('WorkflowPlanning');
      expect(h.status().approval).to.deep.equal(approved);
      expect(h.notificationTypes()).to.deep.equal([]);
      expect(historyOf(h)).to.not.include('AwaitingApproval');
    });
  });

  describe('AwaitingApproval', function () {
    it('goes AwaitingApproval -> WorkflowPlanning once approved, copying status.approval', async function () {
      const h = harness();
      await h.reach('AwaitingApproval');
      await h.childStatus('rr1-aianalysis', ready({ approval: approved }));
      expect(h.status().phase).to.equal('WorkflowPlanning');
      expect(h.status().approval).to.deep.equal(approved);
      expect(condition(h, 'Approved')).to.include({
        status: 'True',
        message: 'Approved by alice@example.com.',
      });
      expect(h.notificationTypes()).to.deep.equal(['approval']);
      expect(h.cluster.names('WorkflowExecution')).to.deep.equal(['rr1-workflow']);
    });
  });

  describe('WorkflowPlanning', function () {
    it('goes WorkflowPlanning -> Executing when the plan is Planned, starting the steps without dependencies', async function () {
      const h = harness();
      await h.reach('WorkflowPlanning');
      await h.childStatus('rr1-workflow', { phase: 'Planning' });
      expect(h.status().phase).to.equal('WorkflowPlanning');
      await h.childStatus('rr1-workflow', planned([{ name: 'a' }, { name: 'b', dependsOn: ['a'] }]));
      expect(h.status()).to.include({
        phase: 'Executing',
        message: 'Executing 2 steps.',
        stepsTotal: 2,
        stepsCompleted: 0,
        overallProgress: 50,
      });
      const ke = h.cluster.child('rr1-step-a');
      expect(ke.spec.step).to.deep.equal({ name: 'a', action: 'restart' });
      expect(ke.spec.workflowExecutionRef).to.deep.equal({
        name: 'rr1-workflow',
        namespace: 'ns',
        uid: 'uid-rr1-workflow',
      });
      expect(condition(h, 'WorkflowPlanned')).to.include({ status: 'True' });
    });

    it('goes WorkflowPlanning -> Completed NoActionRequired for an empty plan, without a success notification', async function () {
      const h = harness();
      await h.reach('WorkflowPlanning');
      await h.childStatus('rr1-workflow', planned([]));
      expect(h.status()).to.include({
        phase: 'Completed',
        reason: 'NoActionRequired',
        success: true,
        overallProgress: 100,
      });
      expect(h.notificationTypes()).to.deep.equal([]);
      expect(h.cluster.ofKind('KubernetesExecution')).to.have.length(0);
      expect(condition(h, 'WorkflowPlanned')).to.include({ status: 'True' });
      expect(condition(h, 'Ready')).to.include({ status: 'True', reason: 'NoActionRequired' });
    });
  });

  describe('failures: Failed with a reason, one escalation, no further children', function () {
    const rejected = {
      decision: 'Rejected',
      decidedBy: 'bob',
      method: 'slack',
      justification: 'too risky',
      decidedAt: '2026-11-26T10:03:00Z',
    };
    const invalidPlan = (problem: string) => `The workflow plan cannot run: ${problem}.`;
    interface Failure {
      from: Reachable;
      when: string;
      child: string;
      status: Record<string, unknown>;
      reason: string;
      message: string;
      /** The condition that reports the failed phase: [type, reason]. */
      condition: [string, string];
      /** The kind of child the next phase would have created. */
      never: ChildKindName;
    }
    const failures: Failure[] = [
      {
        from: 'Processing',
        when: 'the processing fails (its reason named when it has no message)',
        child: 'processing',
        status: { phase: 'Failed', reason: 'EnrichmentError' },
        reason: 'ProcessingFailed',
        message: 'The RemediationProcessing failed. (EnrichmentError)',
        condition: ['ProcessingComplete', 'ProcessingFailed'],
        never: 'AIAnalysis',
      },
      {
        from: 'Analyzing',
        when: 'the analysis rejects the remediation',
        child: 'aianalysis',
        status: { phase: 'Rejected', message: 'not safe to act on' },
        reason: 'AnalysisRejected',
        message: 'not safe to act on',
        condition: ['AnalysisComplete', 'AnalysisRejected'],
        never: 'WorkflowExecution',
      },
      {
        from: 'Analyzing',
        when: 'the analysis fails',
        child: 'aianalysis',
        status: { phase: 'Failed' },
        reason: 'AnalysisFailed',
        message: 'The AIAnalysis failed.',
        condition: ['AnalysisComplete', 'AnalysisFailed'],
        never: 'WorkflowExecution',
      },
      {
        from: 'AwaitingApproval',
        when: 'a person rejects it, naming who and why',
        child: 'aianalysis',
        status: { phase: 'Rejected', approval: rejected },
        reason: 'ApprovalRejected',
        message: 'Rejected by bob: too risky',
        condition: ['Approved', 'Rejected'],
        never: 'WorkflowExecution',
      },
      {
        from: 'AwaitingApproval',
        when: 'it is rejected without a name, with the child message',
        child: 'aianalysis',
        status: { phase: 'Rejected', message: 'approval window closed' },
        reason: 'ApprovalRejected',
        message: 'approval window closed',
        condition: ['Approved', 'Rejected'],
        never: 'WorkflowExecution',
      },
      {
        from: 'AwaitingApproval',
        when: 'the analysis fails while waiting',
        child: 'aianalysis',
        status: { phase: 'Failed', message: 'model unavailable' },
        reason: 'AnalysisFailed',
        message: 'model unavailable',
        condition: ['AnalysisComplete', 'AnalysisFailed'],
        never: 'WorkflowExecution',
      },
      {
        from: 'WorkflowPlanning',
        when: 'the workflow fails to plan',
        child: 'workflow',
        status: { phase: 'Failed', message: 'no workflow matches' },
        reason: 'PlanningFailed',
        message: 'no workflow matches',
        condition: ['WorkflowPlanned', 'PlanningFailed'],
        never: 'KubernetesExecution',
      },
      {
        from: 'WorkflowPlanning',
        when: 'the plan has a dependency cycle',
        child: 'workflow',
        status: planned([
          { name: 'a', dependsOn: ['b'] },
          { name: 'b', dependsOn: ['a'] },
        ]),
        reason: 'InvalidPlan',
        message: invalidPlan('the plan has a dependency cycle: a -> b -> a'),
        condition: ['WorkflowPlanned', 'InvalidPlan'],
        never: 'KubernetesExecution',
      },
      {
        from: 'WorkflowPlanning',
        when: 'a step depends on an unknown step',
        child: 'workflow',
        status: planned([{ name: 'a', dependsOn: ['ghost'] }]),
        reason: 'InvalidPlan',
        message: invalidPlan('step "a" depends on "ghost", which is not in the plan'),
        condition: ['WorkflowPlanned', 'InvalidPlan'],
        never: 'KubernetesExecution',
      },
      {
        from: 'WorkflowPlanning',
        when: 'two steps have the same name',
        child: 'workflow',
        status: planned([{ name: 'a' }, { name: 'a' }]),
        reason: 'InvalidPlan',
        message: invalidPlan('step "a" appears twice in the plan'),
        condition: ['WorkflowPlanned', 'InvalidPlan'],
        never: 'KubernetesExecution',
      },
    ];
    for (const f of failures) {
      it(`goes ${f.from} -> Failed ${f.reason} when ${f.when}`, async function () {
        const h = harness();
        await h.reach(f.from);
        await h.childStatus(h.child(f.child), f.status);
        expectFailed(h, f.reason, f.from);
        expect(h.status().message).to.equal(f.message);
        expect(condition(h, f.condition[0])).to.include({ status: 'False', reason: f.condition[1] });
        expect(h.cluster.ofKind(f.never)).to.have.length(0);
        await h.observe();
        expect(h.cluster.ofKind(f.never)).to.have.length(0);
      });
    }
  });

  describe('Executing', function () {
    const diamond = [
      { name: 'a' },
      { name: 'b', dependsOn: ['a'] },
      { name: 'c', dependsOn: ['a'] },
      { name: 'd', dependsOn: ['b', 'c'] },
    ];
    const tally = (h: Harness) => {
      const { stepsTotal, stepsCompleted, stepsFailed, overallProgress } = h.status();
      return { stepsTotal, stepsCompleted, stepsFailed, overallProgress };
    };
    const stepRefs = (h: Harness) => h.status().kubernetesExecutionRefs?.map((r) => `${r.step}:${r.phase}`);

    it('runs the steps in dependency order, independent ones in parallel, tallying progress at each point', async function () {
      const h = harness();
      await h.reach('Executing', diamond);
      expect(h.cluster.names('KubernetesExecution')).to.deep.equal(['rr1-step-a']);
      expect(tally(h)).to.deep.equal({
        stepsTotal: 4,
        stepsCompleted: 0,
        stepsFailed: 0,
        overallProgress: 50,
      });
      await h.childStatus('rr1-step-a', { phase: 'Running' });
      expect(stepRefs(h), 'a step starting to run is not worth a write of its own').to.deep.equal([
        'a:Pending',
      ]);
      await h.childStatus('rr1-step-a', { phase: 'Completed' });
      expect(h.cluster.names('KubernetesExecution')).to.deep.equal([
        'rr1-step-a',
        'rr1-step-b',
        'rr1-step-c',
      ]);
      await h.advance(testSettings.progressIntervalMs);
      expect(tally(h)).to.deep.equal({
        stepsTotal: 4,
        stepsCompleted: 1,
        stepsFailed: 0,
        overallProgress: 61,
      });
      await h.childStatus('rr1-step-b', { phase: 'Completed' });
      expect(h.cluster.names('KubernetesExecution')).to.not.include('rr1-step-d');
      await h.advance(testSettings.progressIntervalMs);
      expect(tally(h)).to.deep.equal({
        stepsTotal: 4,
        stepsCompleted: 2,
        stepsFailed: 0,
        overallProgress: 72,
      });
      await h.childStatus('rr1-step-c', { phase: 'Completed' });
      expect(h.cluster.names('KubernetesExecution')).to.include('rr1-step-d');
      await h.advance(testSettings.progressIntervalMs);
      expect(tally(h)).to.deep.equal({
        stepsTotal: 4,
        stepsCompleted: 3,
        stepsFailed: 0,
        overallProgress: 83,
      });
      expect(stepRefs(h)).to.deep.equal(['a:Completed', 'b:Completed', 'c:Completed', 'd:Pending']);
      expect(h.status().phase).to.equal('Executing');
    });

    it('goes Executing -> Completed Succeeded when every step completed, with one success notification', async function () {
      const h = harness();
      await h.reach('Executing', [{ name: 'a' }, { name: 'b' }]);
      expect(h.cluster.names('KubernetesExecution')).to.deep.equal(['rr1-step-a', 'rr1-step-b']);
      await h.childStatus('rr1-step-a', { phase: 'Completed' });
      await h.childStatus('rr1-step-b', { phase: 'Completed' });
      expect(h.status()).to.include({
        phase: 'Completed',
        reason: 'Succeeded',
        success: true,
        message: 'All 2 steps completed.',
        overallProgress: 100,
      });
      expect(tally(h)).to.deep.equal({
        stepsTotal: 2,
        stepsCompleted: 2,
        stepsFailed: 0,
        overallProgress: 100,
      });
      const success = h.cluster.ofKind('NotificationRequest');
      expect(success.map((n) => n.spec.type)).to.deep.equal(['success']);
      expect(success[0]?.spec).to.include({ priority: 'low' });
      expect(condition(h, 'ExecutionComplete')).to.include({ status: 'True' });
      expect(condition(h, 'Ready')).to.include({ status: 'True', reason: 'Succeeded' });
      await h.observe();
      expect(h.cluster.ofKind('NotificationRequest')).to.have.length(1);
    });

    it('goes Executing -> Failed StepFailed: no later step starts, running siblings are told to cancel, one escalation', async function () {
      const h = harness();
      await h.reach('Executing', diamond);
      await h.childStatus('rr1-step-a', { phase: 'Completed' });
      await h.childStatus('rr1-step-c', { phase: 'Running' });
      await h.childStatus('rr1-step-b', { phase: 'Failed', message: 'pod did not restart' });
      expectFailed(h, 'StepFailed', 'Executing');
      expect(h.status().message).to.equal('Step b failed: pod did not restart');
      expect(tally(h)).to.deep.equal({
        stepsTotal: 4,
        stepsCompleted: 1,
        stepsFailed: 1,
        overallProgress: 61,
      });
      expect(h.cluster.names('KubernetesExecution')).to.deep.equal([
        'rr1-step-a',
        'rr1-step-b',
        'rr1-step-c',
      ]);
      expect(h.cluster.child('rr1-step-c').spec.cancelRequested).to.equal(true);
      expect(h.cluster.child('rr1-step-a').spec.cancelRequested).to.equal(undefined);
      expect(h.cluster.child('rr1-step-b').spec.cancelRequested).to.equal(undefined);
      expect(condition(h, 'ExecutionComplete')).to.include({ status: 'False', reason: 'StepFailed' });
      await h.childStatus('rr1-step-c', { phase: 'Completed' });
      expect(h.cluster.names('KubernetesExecution')).to.not.include('rr1-step-d');
      expect(h.status().phase).to.equal('Failed');
    });
  });
});
