import { expect } from 'chai';
import { harness, request, testSettings } from '../support/machine-harness.js';

const plan = (steps: { name: string; dependsOn?: string[] }[]) => ({
  phase: 'Planned',
  plan: { steps: steps.map((s) => ({ action: 'restart', dependsOn: [], ...s })) },
});

describe('the remediation machine: the happy path', function () {
  it('records Pending with startTime and effectiveTimeouts, adds the finalizer, then creates the processing', async function () {
    const h = harness();
    await h.settle();
    expect(h.cluster.writes.slice(0, 2)).to.deep.equal(['status Pending', 'addFinalizer']);
    await h.observe();
    expect(h.cluster.child('rr1-processing').spec.remediationRequestRef).to.deep.equal({
      name: 'rr1',
      namespace: 'ns',
      uid: 'rr-uid',
    });
    expect(h.status().phase).to.equal('Processing');
    expect(h.status().startTime).to.equal('2026-11-26T10:00:00.000Z');
    expect(h.status().effectiveTimeouts).to.deep.equal({
      global: '1h',
      processing: '15m',
      analyzing: '15m',
      awaitingApproval: '15m',
      workflowPlanning: '15m',
      executing: '30m',
    });
    expect(h.status().phaseHistory?.map((p) => p.phase)).to.deep.equal([
      'Pending',
      'Initializing',
      'Processing',
    ]);
    expect(h.status().remediationProcessingRef).to.deep.equal({
      name: 'rr1-processing',
      namespace: 'ns',
      uid: 'uid-rr1-processing',
    });
  });

  it('runs the whole flow with approval to Completed, with one approval and one success notification', async function () {
    const h = harness();
    await h.settle();
    await h.observe();
    await h.childStatus('rr1-processing', { phase: 'Completed', enrichedData: { replicas: 3 } });
    expect(h.status().phase).to.equal('Analyzing');
    expect(h.cluster.child('rr1-aianalysis').spec.enrichedData).to.deep.equal({ replicas: 3 });
    await h.childStatus('rr1-aianalysis', {
      phase: 'Approving',
      requiresApproval: true,
      approvalContext: {
        reason: 'risky',
        confidence: 0.7,
        summary: 'restart pods',
        recommendedActions: ['restart'],
      },
    });
    expect(h.status().phase).to.equal('AwaitingApproval');
    expect(h.status().approvalNotificationSent).to.equal(true);
    for (let i = 0; i < 10; i++) await h.childStatus('rr1-aianalysis', { message: `update ${i}` });
    expect(h.cluster.ofKind('NotificationRequest')).to.have.length(1);
    expect(h.cluster.ofKind('WorkflowExecution')).to.have.length(0);
    const approval = {
      decision: 'Approved',
      decidedBy: 'alice@example.com',
      method: 'slack',
      justification: 'ok',
      decidedAt: '2026-11-26T10:05:00Z',
    };
    await h.childStatus('rr1-aianalysis', {
      phase: 'Ready',
      approval,
      investigationResult: {
        rootCause: 'leak',
        confidence: 0.9,
        recommendations: [{ name: 'a', action: 'restart' }],
      },
    });
    expect(h.status().phase).to.equal('WorkflowPlanning');
    expect(h.status().approval).to.deep.equal(approval);
    expect(h.cluster.child('rr1-workflow').spec.recommendations).to.deep.equal([
      { name: 'a', action: 'restart' },
    ]);
    await h.childStatus('rr1-workflow', plan([{ name: 'a' }, { name: 'b', dependsOn: ['a'] }]));
    expect(h.status().phase).to.equal('Executing');
    expect(h.cluster.ofKind('KubernetesExecution').map((k) => k.metadata.name)).to.deep.equal(['rr1-step-a']);
    await h.childStatus('rr1-step-a', { phase: 'Completed' });
    expect(h.cluster.ofKind('KubernetesExecution').map((k) => k.metadata.name)).to.deep.equal([
      'rr1-step-a',
      'rr1-step-b',
    ]);
    await h.advance(testSettings.progressIntervalMs);
    expect(h.status()).to.include({ stepsTotal: 2, stepsCompleted: 1, stepsFailed: 0 });
    await h.childStatus('rr1-step-b', { phase: 'Completed' });
    expect(h.status()).to.include({
      phase: 'Completed',
      reason: 'Succeeded',
      success: true,
      overallProgress: 100,
      stepsCompleted: 2,
    });
    expect(h.status().completionTime).to.be.a('string');
    expect(h.status().retentionExpiryTime).to.equal('2026-11-27T10:00:01.000Z');
    expect(h.cluster.ofKind('NotificationRequest').map((n) => n.spec.type)).to.deep.equal([
      'approval',
      'success',
    ]);
    expect(h.status().conditions?.find((c) => c.type === 'Ready')?.status).to.equal('True');
    expect(h.cluster.events.map((e) => e.reason)).to.include.members([
      'PhasePending',
      'PhaseAnalyzing',
      'Succeeded',
    ]);
  });

  it('fails when processing fails: ProcessingFailed, one escalation, no analysis', async function () {
    const h = harness(request('rr2'));
    await h.settle();
    await h.observe();
    await h.childStatus('rr2-processing', {
      phase: 'Failed',
      reason: 'EnrichmentError',
      message: 'context service down',
    });
    expect(h.status()).to.include({
      phase: 'Failed',
      reason: 'ProcessingFailed',
      message: 'context service down',
      success: false,
    });
    expect(h.cluster.ofKind('AIAnalysis')).to.have.length(0);
    const notes = h.cluster.ofKind('NotificationRequest');
    expect(notes.map((n) => n.spec.type)).to.deep.equal(['escalation']);
    expect(notes[0]?.metadata.ownerReferences).to.equal(undefined);
    expect((notes[0]?.spec.metadata as Record<string, string>).failedPhase).to.equal('Processing');
    await h.observe();
    expect(h.cluster.ofKind('NotificationRequest')).to.have.length(1);
  });
});
