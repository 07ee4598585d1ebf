import { expect } from 'chai';
import type { ChildKindName } from '../../src/api/index.js';
import {
  APPROVER,
  DEFAULT_SCENARIO,
  mergeScenario,
  nextStep,
  type ChildObject,
  type ScenarioOverride,
  type Step,
} from '../../src/sim/index.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const AT = '2026-03-01T12:00:00.000Z';
const targetingData = {
  signalFingerprint: 'fp:1',
  alertName: 'HighMemoryUsage',
  environment: 'production',
  labels: { team: 'payments' },
  resource: { kind: 'Deployment', name: 'payment-api', namespace: 'payments' },
};

function child(spec: Record<string, unknown> = {}, status?: Record<string, unknown>): ChildObject {
  return {
    metadata: { name: 'x', namespace: 'ns', uid: 'u1', resourceVersion: '1' },
    spec: { remediationRequestRef: { name: 'rr', namespace: 'ns', uid: 'p1' }, targetingData, ...spec },
    ...(status ? { status } : {}),
  };
}

function scenario(override: ScenarioOverride = {}) {
  return mergeScenario(DEFAULT_SCENARIO, override);
}

/** Applies steps (ignoring delays) until there is none: the phases written and the final status. */
function run(
  kind: ChildKindName,
  object: ChildObject,
  override: ScenarioOverride = {},
): { steps: Step[]; status: Record<string, unknown> } {
  const steps: Step[] = [];
  let current = object;
  for (
    let step = nextStep(kind, current, scenario(override), NOW);
    step;
    step = nextStep(kind, current, scenario(override), NOW)
  ) {
    steps.push(step);
    current = { ...current, status: { ...current.status, ...step.status } } as ChildObject;
    if (steps.length > 10) throw new Error('no end');
  }
  return { steps, status: (current.status ?? {}) as Record<string, unknown> };
}

describe('simulated child controller steps', function () {
  it('processing: Enriching right away, then Completed with enrichedData after the delay', function () {
    const { steps, status } = run('RemediationProcessing', child(), { processing: { delayMs: 250 } });
    expect(steps.map((s) => [s.from, s.delayMs, s.status.phase])).to.deep.equal([
      ['', 0, 'Enriching'],
      ['Enriching', 250, 'Completed'],
    ]);
    expect(status.enrichedData).to.include({ owner: 'payments', replicas: 3 });
  });

  it('processing without intermediate phases writes only the final phase', function () {
    const { steps } = run('RemediationProcessing', child(), {
      intermediatePhases: false,
      processing: { delayMs: 7, outcome: 'Failed' },
    });
    expect(steps.map((s) => [s.from, s.delayMs, s.status.phase])).to.deep.equal([['', 7, 'Failed']]);
    expect(steps[0]?.status).to.include({ reason: 'EnrichmentFailed' });
  });

  it('a stuck processing stays Enriching, even without intermediate phases', function () {
    expect(run('RemediationProcessing', child(), { processing: { outcome: 'Stuck' } }).status.phase).to.equal(
      'Enriching',
    );
    expect(
      run('RemediationProcessing', child(), { intermediatePhases: false, processing: { outcome: 'Stuck' } })
        .status.phase,
    ).to.equal('Enriching');
  });

  it('treats Pending like no status, resumes an intermediate phase and leaves final phases alone', function () {
    expect(
      nextStep('RemediationProcessing', child({}, { phase: 'Pending' }), scenario(), NOW)?.status.phase,
    ).to.equal('Enriching');
    expect(
      nextStep('RemediationProcessing', child({}, { phase: 'Enriching' }), scenario(), NOW)?.status.phase,
    ).to.equal('Completed');
    for (const [kind, phase] of [
      ['RemediationProcessing', 'Completed'],
      ['RemediationProcessing', 'Failed'],
      ['AIAnalysis', 'Ready'],
      ['AIAnalysis', 'Rejected'],
      ['WorkflowExecution', 'Planned'],
      ['KubernetesExecution', 'Failed'],
      ['NotificationRequest', 'Sent'],
    ] as const) {
      expect(
        nextStep(
          kind,
          child({ step: { name: 'a', action: 'b' }, type: 'success' }, { phase }),
          scenario(),
          NOW,
        ),
        `${kind} ${phase}`,
      ).to.equal(undefined);
    }
  });

  it('writes nothing for a child whose cancel was requested', function () {
    for (const kind of [
      'RemediationProcessing',
      'AIAnalysis',
      'WorkflowExecution',
      'KubernetesExecution',
      'NotificationRequest',
    ] as const) {
      expect(
        nextStep(
          kind,
          child({ cancelRequested: true, step: { name: 'a', action: 'b' }, type: 'success' }),
          scenario(),
          NOW,
        ),
        kind,
      ).to.equal(undefined);
    }
    expect(
      nextStep(
        'RemediationProcessing',
        child({ cancelRequested: true }, { phase: 'Enriching' }),
        scenario(),
        NOW,
      ),
    ).to.equal(undefined);
  });

  it('analysis without approval: Investigating, then Ready with the plan as recommendations', function () {
    const { steps, status } = run('AIAnalysis', child(), { analysis: { confidence: 0.5 } });
    expect(steps.map((s) => s.status.phase)).to.deep.equal(['Investigating', 'Ready']);
    expect(status.requiresApproval).to.equal(false);
    const result = status.investigationResult as {
      confidence: number;
      recommendations: { name: string; dependsOn: string[]; targetResource: unknown }[];
    };
    expect(result.confidence).to.equal(0.5);
    expect(result.recommendations.map((r) => [r.name, r.dependsOn])).to.deep.equal([
      ['scale-up', []],
      ['restart-pods', ['scale-up']],
      ['verify', ['restart-pods']],
    ]);
    expect(result.recommendations[0]?.targetResource).to.deep.equal(targetingData.resource);
  });

  it('analysis with approval: Approving with approvalContext, then Ready with the approval after approvalDelayMs', function () {
    const { steps, status } = run('AIAnalysis', child(), {
      analysis: { requiresApproval: true, approvalDelayMs: 300 },
    });
    expect(steps.map((s) => [s.from, s.status.phase])).to.deep.equal([
      ['', 'Investigating'],
      ['Investigating', 'Approving'],
      ['Approving', 'Ready'],
    ]);
    expect(steps[1]?.status).to.deep.include({ requiresApproval: true });
    expect(
      (steps[1]?.status as { approvalContext: { recommendedActions: string[] } }).approvalContext
        .recommendedActions,
    ).to.have.length(3);
    expect(steps[2]?.delayMs).to.equal(300);
    expect(status.approval).to.deep.equal({
      decision: 'Approved',
      decidedBy: APPROVER,
      method: 'simulated',
      justification: 'Simulated approval: the recommended actions match the runbook.',
      decidedAt: AT,
    });
  });

  it('analysis approval rejected ends Rejected; no decision stays Approving', function () {
    const rejected = run('AIAnalysis', child(), {
      analysis: { requiresApproval: true, approvalDecision: 'Rejected' },
    }).status;
    expect(rejected.phase).to.equal('Rejected');
    expect(rejected.approval).to.include({ decision: 'Rejected', decidedBy: APPROVER });
    expect(
      run('AIAnalysis', child(), { analysis: { requiresApproval: true, approvalDecision: 'None' } }).status
        .phase,
    ).to.equal('Approving');
  });

  it('analysis outcomes Rejected, Failed and Stuck', function () {
    expect(
      run('AIAnalysis', child(), { analysis: { outcome: 'Rejected', requiresApproval: true } }).status,
    ).to.include({ phase: 'Rejected', reason: 'AnalysisRejected' });
    expect(run('AIAnalysis', child(), { analysis: { outcome: 'Failed' } }).status).to.include({
      phase: 'Failed',
    });
    expect(run('AIAnalysis', child(), { analysis: { outcome: 'Stuck' } }).status.phase).to.equal(
      'Investigating',
    );
  });

  it('workflow plans the recommendations it was given, not the scenario plan', function () {
    const recommendations = [
      { name: 'drain', action: 'drain-node', parameters: { node: 'n1' }, dependsOn: [] },
      { name: 'cordon', action: 'cordon-node' },
    ];
    const { steps, status } = run('WorkflowExecution', child({ recommendations }));
    expect(steps.map((s) => s.status.phase)).to.deep.equal(['Planning', 'Planned']);
    expect(status.plan).to.deep.equal({
      steps: [
        { name: 'drain', action: 'drain-node', parameters: { node: 'n1' }, dependsOn: [], timeout: '5m' },
        { name: 'cordon', action: 'cordon-node', dependsOn: [], timeout: '5m' },
      ],
    });
    expect(run('WorkflowExecution', child({ recommendations: [] })).status.plan).to.deep.equal({ steps: [] });
    expect(run('WorkflowExecution', child()).status.plan).to.deep.equal({ steps: [] });
    expect(
      run('WorkflowExecution', child({ recommendations }), { workflow: { outcome: 'Failed' } }).status,
    ).to.include({ phase: 'Failed', reason: 'PlanningFailed' });
  });

  it('execution: Running with startTime, then Completed with output; failSteps fail, stuckSteps stay Running', function () {
    const ke = (name: string) =>
      child({ workflowExecutionRef: { name: 'w', namespace: 'ns' }, step: { name, action: 'restart-pods' } });
    const ok = run('KubernetesExecution', ke('restart'));
    expect(ok.steps.map((s) => s.status.phase)).to.deep.equal(['Running', 'Completed']);
    expect(ok.status).to.deep.include({
      startTime: AT,
      completionTime: AT,
      output: { simulated: true, action: 'restart-pods', step: 'restart' },
    });
    expect(
      run('KubernetesExecution', ke('restart'), { execution: { failSteps: ['restart'] } }).status,
    ).to.include({ phase: 'Failed', reason: 'StepFailed' });
    expect(
      run('KubernetesExecution', ke('restart'), { execution: { stuckSteps: ['restart'] } }).status.phase,
    ).to.equal('Running');
    const direct = run('KubernetesExecution', ke('restart'), { intermediatePhases: false });
    expect(direct.steps).to.have.length(1);
    expect(direct.status).to.include({ phase: 'Completed', startTime: AT, completionTime: AT });
  });

  it('notification: Sent with sentTime after the delay, or Failed', function () {
    const nr = child({ type: 'approval', channels: ['slack'] });
    const sent = run('NotificationRequest', nr, { notification: { delayMs: 40 } });
    expect(sent.steps.map((s) => [s.delayMs, s.status.phase])).to.deep.equal([[40, 'Sent']]);
    expect(sent.status.sentTime).to.equal(AT);
    expect(run('NotificationRequest', nr, { notification: { outcome: 'Failed' } }).status).to.include({
      phase: 'Failed',
      reason: 'DeliveryFailed',
    });
  });
});
