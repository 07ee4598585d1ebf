import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { FINALIZER } from '../../src/api/index.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { notificationName, remediationRequest } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, waitForEventReasons, type Obj } from '../support/kube.js';
import { startOrchestrator, type RunningOrchestrator } from '../support/orchestrator.js';

const byName = (name: string) => (items: Obj[]) => items.find((o) => o.metadata.name === name);
const status = (o: Obj | undefined) => (o?.status ?? {}) as Record<string, unknown> & { phase?: string };
const inPhase = (name: string, phase: string) => (items: Obj[]) => {
  const o = byName(name)(items);
  return status(o).phase === phase ? o : undefined;
};

describe('the orchestrator drives a request through its phases', function () {
  this.timeout(60_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let orchestrator: RunningOrchestrator;

  before(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'flow');
    // The diamond test watches step progress one step at a time: not 10 s (the default) per step.
    orchestrator = await startOrchestrator(kc, [ns], (c) => (c.status.progressIntervalMs = 1_000));
  });
  after(async function () {
    await orchestrator?.stop();
    await deleteNamespace(kc, ns);
  });

  async function create(name: string, spec: Record<string, unknown> = {}): Promise<Obj> {
    return k.create('RemediationRequest', ns, remediationRequest(name, spec));
  }
  const waitPhase = (name: string, phase: string, timeout = 20_000) =>
    k.waitUntil('RemediationRequest', ns, inPhase(name, phase), timeout, `${name} reaches ${phase}`);
  const child = (kind: Parameters<Objects['waitUntil']>[0], name: string) =>
    k.waitUntil(kind, ns, byName(name), 20_000, `${kind} ${name} exists`);

  async function toAnalyzing(name: string): Promise<void> {
    await create(name);
    await child('RemediationProcessing', `${name}-processing`);
    await k.patchStatus('RemediationProcessing', ns, `${name}-processing`, {
      phase: 'Completed',
      enrichedData: { replicas: 3 },
    });
    await waitPhase(name, 'Analyzing');
  }

  it('gives a new request Pending, startTime and effectiveTimeouts, then an owned RemediationProcessing', async function () {
    const rr = await create('new-request', { timeouts: { processing: '20m' } });
    const rp = await child('RemediationProcessing', 'new-request-processing');
    const owners = rp.metadata.ownerReferences as {
      uid: string;
      controller: boolean;
      blockOwnerDeletion: boolean;
      kind: string;
    }[];
    expect(owners).to.have.length(1);
    expect(owners[0]).to.include({
      uid: rr.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
      kind: 'RemediationRequest',
    });
    expect(rp.spec?.targetingData).to.deep.equal(rr.spec?.targetingData);
    expect((rp.metadata.labels as Record<string, string>)['kubernaut.ai/remediation-request']).to.equal(
      'new-request',
    );
    expect((rp.metadata.labels as Record<string, string>)['kubernaut.ai/component']).to.equal('processing');
    const updated = await waitPhase('new-request', 'Processing');
    const s = status(updated);
    expect(s.startTime).to.be.a('string');
    expect(s.effectiveTimeouts).to.deep.equal({
      global: '1h',
      processing: '20m',
      analyzing: '15m',
      awaitingApproval: '15m',
      workflowPlanning: '15m',
      executing: '30m',
    });
    expect((s.phaseHistory as { phase: string }[]).map((h) => h.phase)).to.deep.equal([
      'Pending',
      'Initializing',
      'Processing',
    ]);
    expect((s.remediationProcessingRef as { uid: string }).uid).to.equal(rp.metadata.uid);
    expect(updated.metadata.finalizers).to.deep.equal([FINALIZER]);
  });

  it('creates the AIAnalysis with the enrichedData once processing completes', async function () {
    await toAnalyzing('enriched');
    const aia = await child('AIAnalysis', 'enriched-aianalysis');
    expect(aia.spec?.enrichedData).to.deep.equal({ replicas: 3 });
    expect(aia.spec?.signalFingerprint).to.equal('fp:high-memory.payment-api');
  });

  it('fails a request whose processing fails: ProcessingFailed, one escalation, no AIAnalysis', async function () {
    await create('processing-fails');
    await child('RemediationProcessing', 'processing-fails-processing');
    await k.patchStatus('RemediationProcessing', ns, 'processing-fails-processing', {
      phase: 'Failed',
      reason: 'EnrichmentError',
      message: 'the context API is down',
    });
    const failed = await waitPhase('processing-fails', 'Failed');
    expect(status(failed)).to.include({
      reason: 'ProcessingFailed',
      message: 'the context API is down',
      success: false,
    });
    const notes = await k.list(
      'NotificationRequest',
      ns,
      'kubernaut.ai/remediation-request=processing-fails',
    );
    expect(notes.map((n) => n.spec?.type)).to.deep.equal(['escalation']);
    expect(notes[0]?.metadata.ownerReferences).to.equal(undefined);
    expect((notes[0]?.spec?.metadata as Record<string, string>).failedPhase).to.equal('Processing');
    expect(
      await k.list('AIAnalysis', ns, 'kubernaut.ai/remediation-request=processing-fails'),
    ).to.have.length(0);
  });

  it('waits for approval with exactly one approval notification, however often the analysis changes', async function () {
    await toAnalyzing('needs-approval');
    await child('AIAnalysis', 'needs-approval-aianalysis');
    const approvalContext = {
      reason: 'restarts production pods',
      confidence: 0.72,
      summary: 'Restart payment-api',
      recommendedActions: ['restart-pods'],
    };
    await k.patchStatus('AIAnalysis', ns, 'needs-approval-aianalysis', {
      phase: 'Approving',
      requiresApproval: true,
      approvalContext,
    });
    const waiting = await waitPhase('needs-approval', 'AwaitingApproval');
    expect(status(waiting).approvalNotificationSent).to.equal(true);
    for (let i = 0; i < 10; i++)
      await k.patchStatus('AIAnalysis', ns, 'needs-approval-aianalysis', { message: `still waiting ${i}` });
    // The orchestrator has seen the last update once the request's status reflects a fresh read of it.
    await k.waitUntil(
      'AIAnalysis',
      ns,
      (items) => byName('needs-approval-aianalysis')(items)?.status?.message === 'still waiting 9',
    );
    const notes = await k.list('NotificationRequest', ns, 'kubernaut.ai/remediation-request=needs-approval');
    expect(notes.map((n) => n.spec?.type)).to.deep.equal(['approval']);
    expect(notes[0]?.spec?.approvalContext).to.deep.equal(approvalContext);
    expect(
      await k.list('WorkflowExecution', ns, 'kubernaut.ai/remediation-request=needs-approval'),
    ).to.have.length(0);

    const approval = {
      decision: 'Approved',
      decidedBy: 'oncall@example.com',
      method: 'slack',
      justification: 'known leak',
      decidedAt: '2026-11-26T10:00:00Z',
    };
    const recommendations = [
      { name: 'restart-pods', action: 'restart', parameters: { grace: 30 }, dependsOn: [] },
    ];
    await k.patchStatus('AIAnalysis', ns, 'needs-approval-aianalysis', {
      phase: 'Ready',
      approval,
      investigationResult: { rootCause: 'leak', confidence: 0.9, recommendations },
    });
    const planning = await waitPhase('needs-approval', 'WorkflowPlanning');
    expect(status(planning).approval).to.deep.equal(approval);
    const we = await child('WorkflowExecution', 'needs-approval-workflow');
    expect(we.spec?.recommendations).to.deep.equal(recommendations);
    expect(
      (await k.list('NotificationRequest', ns, 'kubernaut.ai/remediation-request=needs-approval')).length,
    ).to.equal(1);
  });

  it('fails with ApprovalRejected when the approver rejects, and with AnalysisRejected when the analysis does', async function () {
    await toAnalyzing('rejected-approval');
    await child('AIAnalysis', 'rejected-approval-aianalysis');
    await k.patchStatus('AIAnalysis', ns, 'rejected-approval-aianalysis', {
      phase: 'Approving',
      requiresApproval: true,
    });
    await waitPhase('rejected-approval', 'AwaitingApproval');
    await k.patchStatus('AIAnalysis', ns, 'rejected-approval-aianalysis', {
      phase: 'Rejected',
      approval: { decision: 'Rejected', decidedBy: 'lead@example.com', justification: 'too risky' },
    });
    const rejected = await waitPhase('rejected-approval', 'Failed');
    expect(status(rejected)).to.include({
      reason: 'ApprovalRejected',
      message: 'Rejected by lead@example.com: too risky',
    });
    await k.waitUntil('NotificationRequest', ns, byName(notificationName(rejected, 'escalation')));

    await toAnalyzing('rejected-analysis');
    await child('AIAnalysis', 'rejected-analysis-aianalysis');
    await k.patchStatus('AIAnalysis', ns, 'rejected-analysis-aianalysis', {
      phase: 'Rejected',
      message: 'confidence too low',
    });
    const failed = await waitPhase('rejected-analysis', 'Failed');
    expect(status(failed)).to.include({ reason: 'AnalysisRejected', message: 'confidence too low' });
    await k.waitUntil('NotificationRequest', ns, byName(notificationName(failed, 'escalation')));
    expect(await k.list('WorkflowExecution', ns)).to.satisfy(
      (items: Obj[]) => !items.some((w) => w.metadata.name.startsWith('rejected-')),
    );
  });

  async function toExecuting(name: string, steps: { name: string; dependsOn?: string[] }[]): Promise<void> {
    await toAnalyzing(name);
    await child('AIAnalysis', `${name}-aianalysis`);
    await k.patchStatus('AIAnalysis', ns, `${name}-aianalysis`, {
      phase: 'Ready',
      investigationResult: {
        rootCause: 'x',
        recommendations: steps.map((s) => ({ name: s.name, action: 'restart' })),
      },
    });
    await child('WorkflowExecution', `${name}-workflow`);
    await k.patchStatus('WorkflowExecution', ns, `${name}-workflow`, {
      phase: 'Planned',
      plan: { steps: steps.map((s) => ({ action: 'restart', dependsOn: [], ...s })) },
    });
  }

  const executions = async (rr: string) =>
    (await k.list('KubernetesExecution', ns, `kubernaut.ai/remediation-request=${rr}`))
      .map((ke) => (ke.spec?.step as { name: string }).name)
      .sort();
  const keCount = (rr: string, n: number) => (items: Obj[]) =>
    items.filter((ke) => ke.metadata.name.startsWith(`${rr}-step-`)).length === n;

  it('runs a diamond plus an independent step in dependency order, with progress right at every point', async function () {
    // a -> (b, c) -> d, and e independent of all
    await toExecuting('diamond', [
      { name: 'a' },
      { name: 'b', dependsOn: ['a'] },
      { name: 'c', dependsOn: ['a'] },
      { name: 'd', dependsOn: ['b', 'c'] },
      { name: 'e' },
    ]);
    await waitPhase('diamond', 'Executing');
    await k.waitUntil('KubernetesExecution', ns, keCount('diamond', 2));
    expect(await executions('diamond')).to.deep.equal(['a', 'e']);
    const progressIs = (completed: number) => (items: Obj[]) => {
      const s = status(byName('diamond')(items));
      return s.stepsCompleted === completed && s.stepsTotal === 5 ? s : undefined;
    };
    let s = await k.waitUntil('RemediationRequest', ns, progressIs(0));
    expect(s).to.include({ overallProgress: 50, stepsFailed: 0 });

    await k.patchStatus('KubernetesExecution', ns, 'diamond-step-a', { phase: 'Completed' });
    await k.waitUntil('KubernetesExecution', ns, keCount('diamond', 4));
    expect(await executions('diamond')).to.deep.equal(['a', 'b', 'c', 'e']);
    s = await k.waitUntil('RemediationRequest', ns, progressIs(1));
    expect(s.overallProgress).to.equal(59);

    await k.patchStatus('KubernetesExecution', ns, 'diamond-step-b', { phase: 'Completed' });
    expect((await k.waitUntil('RemediationRequest', ns, progressIs(2))).overallProgress).to.equal(68);
    expect(await executions('diamond'), 'd waits for c').to.deep.equal(['a', 'b', 'c', 'e']);
    await k.patchStatus('KubernetesExecution', ns, 'diamond-step-c', { phase: 'Completed' });
    await k.waitUntil('KubernetesExecution', ns, keCount('diamond', 5));
    await k.patchStatus('KubernetesExecution', ns, 'diamond-step-e', { phase: 'Completed' });
    s = await k.waitUntil('RemediationRequest', ns, progressIs(4));
    expect(s.phase).to.equal('Executing');
    await k.patchStatus('KubernetesExecution', ns, 'diamond-step-d', { phase: 'Completed' });
    const done = await waitPhase('diamond', 'Completed');
    expect(status(done)).to.include({
      success: true,
      reason: 'Succeeded',
      overallProgress: 100,
      stepsTotal: 5,
      stepsCompleted: 5,
      stepsFailed: 0,
    });
    expect(
      (status(done).kubernetesExecutionRefs as { phase: string }[]).every((r) => r.phase === 'Completed'),
    ).to.equal(true);
    expect(status(done).completionTime).to.be.a('string');
    expect(status(done).retentionExpiryTime).to.be.a('string');
    await k.waitUntil('NotificationRequest', ns, byName(notificationName(done, 'success')));
  });

  it('fails on a failed step: StepFailed, no later step, one escalation', async function () {
    await toExecuting('step-fails', [{ name: 'a' }, { name: 'b', dependsOn: ['a'] }]);
    await k.waitUntil('KubernetesExecution', ns, keCount('step-fails', 1));
    await k.patchStatus('KubernetesExecution', ns, 'step-fails-step-a', {
      phase: 'Failed',
      message: 'rollout stuck',
    });
    const failed = await waitPhase('step-fails', 'Failed');
    expect(status(failed)).to.include({ reason: 'StepFailed', stepsFailed: 1, stepsCompleted: 0 });
    expect(status(failed).message).to.equal('Step a failed: rollout stuck');
    await k.waitUntil('NotificationRequest', ns, byName(notificationName(failed, 'escalation')));
    expect(await executions('step-fails')).to.deep.equal(['a']);
  });

  it('completes an empty plan with reason NoActionRequired', async function () {
    await toExecuting('empty-plan', []);
    const done = await waitPhase('empty-plan', 'Completed');
    expect(status(done)).to.include({ reason: 'NoActionRequired', success: true, overallProgress: 100 });
    expect(await executions('empty-plan')).to.deep.equal([]);
  });

  it('fails with ChildDeleted when a working child is deleted by hand', async function () {
    await create('deleted-child');
    await waitPhase('deleted-child', 'Processing');
    await k.delete('RemediationProcessing', ns, 'deleted-child-processing');
    const failed = await waitPhase('deleted-child', 'Failed');
    expect(status(failed).reason).to.equal('ChildDeleted');
    expect(status(failed).message).to.include('RemediationProcessing/deleted-child-processing');
    await k.waitUntil('NotificationRequest', ns, byName(notificationName(failed, 'escalation')));
    expect(
      (await k.list('RemediationProcessing', ns)).some((o) => o.metadata.name === 'deleted-child-processing'),
      'not recreated',
    ).to.equal(false);
  });

  it('drives three requests with the same fingerprint independently', async function () {
    await Promise.all(['same-1', 'same-2', 'same-3'].map((n) => create(n)));
    for (const n of ['same-1', 'same-2', 'same-3']) await child('RemediationProcessing', `${n}-processing`);
    await k.patchStatus('RemediationProcessing', ns, 'same-2-processing', { phase: 'Failed' });
    await k.patchStatus('RemediationProcessing', ns, 'same-3-processing', {
      phase: 'Completed',
      enrichedData: {},
    });
    await waitPhase('same-2', 'Failed');
    await waitPhase('same-3', 'Analyzing');
    const s1 = status(byName('same-1')(await k.list('RemediationRequest', ns)));
    expect(s1.phase).to.equal('Processing');
    expect(await k.list('AIAnalysis', ns, 'kubernaut.ai/remediation-request=same-3')).to.have.length(1);
    expect(await k.list('AIAnalysis', ns, 'kubernaut.ai/remediation-request=same-2')).to.have.length(0);
  });

  it('records by default an Event for what an operator must notice (a failure), not for the transitions before it', async function () {
    await create('events');
    await child('RemediationProcessing', 'events-processing');
    await k.patchStatus('RemediationProcessing', ns, 'events-processing', { phase: 'Failed' });
    // Events go out in order, so transitions recorded before the failure would be seen first.
    const reasons = await waitForEventReasons(kc, ns, 'events', ['ProcessingFailed']);
    expect(reasons).to.deep.equal(['ProcessingFailed']);
  });
});
