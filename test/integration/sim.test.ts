import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { KINDS, type ChildKindName } from '../../src/api/index.js';
import {
  APPROVER,
  SCENARIO_ANNOTATION,
  startSimulator,
  type ScenarioOverride,
  type Simulator,
} from '../../src/sim/index.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';

// Small delays: every write still goes through the API server and the watch.
const FAST: ScenarioOverride = {
  processing: { delayMs: 20 },
  analysis: { delayMs: 20, approvalDelayMs: 50 },
  workflow: { delayMs: 20 },
  execution: { delayMs: 20 },
  notification: { delayMs: 0 },
};

const kindSpecs: Record<ChildKindName, (name: string) => Record<string, unknown>> = {
  RemediationProcessing: () => ({}),
  AIAnalysis: () => ({ signalFingerprint: 'fp:1', enrichedData: { owner: 'payments' } }),
  WorkflowExecution: () => ({ recommendations: [] }),
  KubernetesExecution: (name) => ({
    workflowExecutionRef: { name: `${name}-workflow`, namespace: 'x' },
    step: { name: 'restart', action: 'restart-pods', timeout: '5m' },
  }),
  NotificationRequest: () => ({
    type: 'escalation',
    priority: 'high',
    channels: ['slack'],
    title: 'Remediation failed',
    message: 'm',
  }),
};

describe('the simulated child controllers', function () {
  let kc: KubeConfig;
  let objects: Objects;
  let ns: string;
  let sim: Simulator | undefined;
  const warnings: string[] = [];

  /** Creates a child by hand as the orchestrator would, with an optional scenario annotation. */
  async function createChild(
    kind: ChildKindName,
    name: string,
    options: {
      scenario?: ScenarioOverride | string;
      spec?: Record<string, unknown>;
      namespace?: string;
    } = {},
  ): Promise<Obj> {
    const namespace = options.namespace ?? ns;
    const annotations =
      options.scenario === undefined
        ? {}
        : {
            [SCENARIO_ANNOTATION]:
              typeof options.scenario === 'string' ? options.scenario : JSON.stringify(options.scenario),
          };
    return objects.create(kind, namespace, {
      metadata: {
        name,
        labels: { 'kubernaut.ai/remediation-request': 'rr', 'kubernaut.ai/component': KINDS[kind].component },
      },
      spec: {
        remediationRequestRef: { name: 'rr', namespace, uid: '00000000-0000-0000-0000-000000000001' },
        targetingData: targetingData({ annotations }),
        ...kindSpecs[kind](name),
        ...options.spec,
      },
    });
  }

  function waitFor(
    kind: ChildKindName,
    name: string,
    predicate: (o: Obj) => boolean,
    what: string,
    namespace = ns,
  ): Promise<Obj> {
    return objects.waitUntil(
      kind,
      namespace,
      (items) => items.find((o) => o.metadata.name === name && predicate(o)),
      20_000,
      `${name}: ${what}`,
    );
  }

  const phase = (p: string) => (o: Obj) => o.status?.phase === p;

  before(async function () {
    kc = controlPlane().kubeConfig;
    objects = new Objects(kc);
    ns = await createNamespace(kc, 'sim');
    sim = await startSimulator({
      kubeConfig: kc,
      namespaces: [ns],
      defaultScenario: FAST,
      warn: (line) => warnings.push(line),
    });
  });
  after(async function () {
    await sim?.stop();
    await deleteNamespace(kc, ns);
  });

  it('drives a processing to Completed with enrichedData', async function () {
    await createChild('RemediationProcessing', 'ok-processing');
    const rp = await waitFor('RemediationProcessing', 'ok-processing', phase('Completed'), 'Completed');
    expect(rp.status?.enrichedData).to.deep.include({ owner: 'payments', replicas: 3, simulated: true });
    expect(rp.status?.reason).to.equal('Enriched');
  });

  it('fails a processing whose scenario annotation says Failed', async function () {
    await createChild('RemediationProcessing', 'bad-processing', {
      scenario: { processing: { outcome: 'Failed' } },
    });
    const rp = await waitFor(
      'RemediationProcessing',
      'bad-processing',
      (o) => o.status?.phase === 'Failed' || o.status?.phase === 'Completed',
      'a final phase',
    );
    expect(rp.status).to.include({ phase: 'Failed', reason: 'EnrichmentFailed' });
    expect(rp.status?.enrichedData).to.equal(undefined);
  });

  it('uses the default scenario for a child with a bad scenario annotation, and says why', async function () {
    await createChild('RemediationProcessing', 'typo-processing', {
      scenario: '{"processing":{"outcome":"Broken"}}',
    });
    await waitFor('RemediationProcessing', 'typo-processing', phase('Completed'), 'Completed');
    expect(warnings.join('\n')).to.match(
      /typo-processing: ignoring its scenario annotation.*scenario\.processing\.outcome must be one of/,
    );
  });

  it('takes an analysis through approval: Approving with approvalContext, then Ready with the approval', async function () {
    await createChild('AIAnalysis', 'approved-analysis', {
      scenario: { analysis: { requiresApproval: true, approvalDecision: 'Approved', approvalDelayMs: 100 } },
    });
    const approving = await waitFor(
      'AIAnalysis',
      'approved-analysis',
      (o) => o.status?.phase === 'Approving' || o.status?.phase === 'Ready',
      'Approving',
    );
    expect(approving.status?.requiresApproval).to.equal(true);
    expect(approving.status?.approvalContext).to.have.keys(
      'reason',
      'confidence',
      'summary',
      'recommendedActions',
    );
    const ready = await waitFor('AIAnalysis', 'approved-analysis', phase('Ready'), 'Ready');
    expect(ready.status?.approval).to.include({
      decision: 'Approved',
      decidedBy: APPROVER,
      method: 'simulated',
    });
    expect(Number.isNaN(Date.parse((ready.status?.approval as { decidedAt: string }).decidedAt))).to.equal(
      false,
    );
    const result = ready.status?.investigationResult as {
      recommendations: { name: string; dependsOn: string[] }[];
    };
    expect(result.recommendations.map((r) => r.name)).to.deep.equal(['scale-up', 'restart-pods', 'verify']);
  });

  it('rejects an analysis whose approver rejects', async function () {
    await createChild('AIAnalysis', 'rejected-analysis', {
      scenario: { analysis: { requiresApproval: true, approvalDecision: 'Rejected', approvalDelayMs: 0 } },
    });
    const aia = await waitFor(
      'AIAnalysis',
      'rejected-analysis',
      (o) => o.status?.phase === 'Rejected' || o.status?.phase === 'Ready',
      'a decision',
    );
    expect(aia.status?.phase).to.equal('Rejected');
    expect(aia.status?.approval).to.include({ decision: 'Rejected' });
  });

  it('plans a workflow from the recommendations it was given, including none', async function () {
    const recommendations = [
      { name: 'scale-up', action: 'scale-deployment', parameters: { replicas: 4 }, dependsOn: [] },
      { name: 'verify', action: 'verify-health', dependsOn: ['scale-up'] },
    ];
    await createChild('WorkflowExecution', 'two-steps-workflow', { spec: { recommendations } });
    await createChild('WorkflowExecution', 'empty-workflow', { spec: { recommendations: [] } });
    const we = await waitFor('WorkflowExecution', 'two-steps-workflow', phase('Planned'), 'Planned');
    expect((we.status?.plan as { steps: unknown[] }).steps).to.deep.equal([
      {
        name: 'scale-up',
        action: 'scale-deployment',
        parameters: { replicas: 4 },
        dependsOn: [],
        timeout: '5m',
      },
      { name: 'verify', action: 'verify-health', dependsOn: ['scale-up'], timeout: '5m' },
    ]);
    const empty = await waitFor('WorkflowExecution', 'empty-workflow', phase('Planned'), 'Planned');
    expect(empty.status?.plan).to.deep.equal({ steps: [] });
  });

  it('completes an execution step, and fails one named in failSteps', async function () {
    await createChild('KubernetesExecution', 'ok-step');
    await createChild('KubernetesExecution', 'bad-step', {
      scenario: { execution: { failSteps: ['restart'] } },
    });
    const ok = await waitFor('KubernetesExecution', 'ok-step', phase('Completed'), 'Completed');
    expect(ok.status?.output).to.deep.equal({ simulated: true, action: 'restart-pods', step: 'restart' });
    expect(Date.parse(ok.status?.startTime as string)).to.be.at.most(
      Date.parse(ok.status?.completionTime as string),
    );
    const bad = await waitFor(
      'KubernetesExecution',
      'bad-step',
      (o) => o.status?.phase === 'Failed' || o.status?.phase === 'Completed',
      'a final phase',
    );
    expect(bad.status).to.include({ phase: 'Failed', reason: 'StepFailed' });
  });

  it('sends a notification with its sentTime', async function () {
    await createChild('NotificationRequest', 'rr-escalation');
    const nr = await waitFor('NotificationRequest', 'rr-escalation', phase('Sent'), 'Sent');
    expect(Number.isNaN(Date.parse(nr.status?.sentTime as string))).to.equal(false);
  });

  it('writes nothing more to a child once its cancel is requested', async function () {
    // Both start at the same time with the same delay; the sentinel completing shows the cancelled
    // one's timer would have fired by then had it not been cancelled.
    const slow = { processing: { delayMs: 400 } };
    await createChild('RemediationProcessing', 'cancelled-processing', { scenario: slow });
    await waitFor('RemediationProcessing', 'cancelled-processing', phase('Enriching'), 'Enriching');
    const current = await objects.get('RemediationProcessing', ns, 'cancelled-processing');
    await objects.api.patchNamespacedCustomObject({
      group: KINDS.RemediationProcessing.group,
      version: 'v1alpha1',
      plural: KINDS.RemediationProcessing.plural,
      namespace: ns,
      name: 'cancelled-processing',
      body: [{ op: 'add', path: '/spec/cancelRequested', value: true }],
    });
    await createChild('RemediationProcessing', 'sentinel-processing', { scenario: slow });
    await createChild('RemediationProcessing', 'born-cancelled-processing', {
      scenario: { processing: { delayMs: 0 } },
      spec: { cancelRequested: true },
    });
    await waitFor('RemediationProcessing', 'sentinel-processing', phase('Completed'), 'Completed');
    const cancelled = await objects.get('RemediationProcessing', ns, 'cancelled-processing');
    expect(cancelled.status).to.deep.equal(current.status);
    expect((await objects.get('RemediationProcessing', ns, 'born-cancelled-processing')).status).to.equal(
      undefined,
    );
  });

  it('resumes an intermediate phase and leaves a final phase alone after a restart', async function () {
    const other = await createNamespace(kc, 'sim-restart');
    let second: Simulator | undefined;
    try {
      await createChild('RemediationProcessing', 'resumed-processing', { namespace: other });
      await createChild('RemediationProcessing', 'finished-processing', { namespace: other });
      await objects.patchStatus('RemediationProcessing', other, 'resumed-processing', { phase: 'Enriching' });
      const finished = await objects.patchStatus('RemediationProcessing', other, 'finished-processing', {
        phase: 'Failed',
        reason: 'ByHand',
      });
      second = await startSimulator({ kubeConfig: kc, namespaces: [other], defaultScenario: FAST });
      await waitFor('RemediationProcessing', 'resumed-processing', phase('Completed'), 'Completed', other);
      const untouched = await objects.get('RemediationProcessing', other, 'finished-processing');
      expect(untouched.metadata.resourceVersion).to.equal(finished.metadata.resourceVersion);
      expect(second.stats()).to.deep.equal({ statusWrites: 1, objectsSeen: 2 });
    } finally {
      await second?.stop();
      await deleteNamespace(kc, other);
    }
  });

  it('counts its writes and the objects it has seen', function () {
    const stats = sim!.stats();
    expect(stats.objectsSeen).to.be.at.least(12);
    expect(stats.statusWrites).to.be.at.least(stats.objectsSeen);
  });
});
