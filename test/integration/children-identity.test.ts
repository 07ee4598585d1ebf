// A child is the object of its deterministic name owned by its request: decoys stand in for nothing,
// and a step whose execution was deleted is never created again.
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { childNames } from '../../src/actors/names.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { ownerReference, parentRef, remediationRequest, targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';
import { startOrchestrator, type RunningOrchestrator } from '../support/orchestrator.js';

const byName = (name: string) => (items: Obj[]) => items.find((o) => o.metadata.name === name);
const status = (o: Obj | undefined) => (o?.status ?? {}) as Record<string, unknown> & { phase?: string };

describe('children are matched by name and owner', function () {
  this.timeout(60_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let orchestrator: RunningOrchestrator;

  before(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'identity');
    // The default progress interval (10 s): a deferred status write would leave a step unrecorded.
    orchestrator = await startOrchestrator(kc, [ns]);
  });
  after(async function () {
    await orchestrator?.stop();
    await deleteNamespace(kc, ns);
  });

  const phaseOf = (name: string, phase: string) => (items: Obj[]) => {
    const o = byName(name)(items);
    return status(o).phase === phase ? o : undefined;
  };
  const waitPhase = (name: string, phase: string) =>
    k.waitUntil('RemediationRequest', ns, phaseOf(name, phase), 30_000, `${name} reaches ${phase}`);
  const child = (kind: Parameters<Objects['waitUntil']>[0], name: string) =>
    k.waitUntil(kind, ns, byName(name), 30_000, `${kind} ${name} exists`);

  /** A request brought to WorkflowPlanning, its WorkflowExecution not yet planned. */
  async function toPlanning(name: string): Promise<Obj> {
    const rr = await k.create('RemediationRequest', ns, remediationRequest(name));
    await child('RemediationProcessing', `${name}-processing`);
    await k.patchStatus('RemediationProcessing', ns, `${name}-processing`, { phase: 'Completed' });
    await child('AIAnalysis', `${name}-aianalysis`);
    await k.patchStatus('AIAnalysis', ns, `${name}-aianalysis`, {
      phase: 'Ready',
      investigationResult: { rootCause: 'x', recommendations: [{ name: 'a', action: 'restart' }] },
    });
    await child('WorkflowExecution', `${name}-workflow`);
    return rr;
  }
  const plan = (name: string, steps: { name: string; dependsOn?: string[] }[] = [{ name: 'a' }]) =>
    k.patchStatus('WorkflowExecution', ns, `${name}-workflow`, {
      phase: 'Planned',
      plan: { steps: steps.map((step) => ({ action: 'restart', dependsOn: [], ...step })) },
    });

  it('creates the real step beside a decoy execution that its request controls and that names the step', async function () {
    const rr = await toPlanning('decoy-ke');
    await k.create('KubernetesExecution', ns, {
      metadata: { name: 'decoy-ke-impostor', ownerReferences: [ownerReference(rr)] },
      spec: {
        remediationRequestRef: parentRef(rr),
        targetingData: targetingData(),
        workflowExecutionRef: { name: 'decoy-ke-workflow', namespace: ns },
        step: { name: 'a', action: 'restart' },
      },
    });
    await k.patchStatus('KubernetesExecution', ns, 'decoy-ke-impostor', { phase: 'Completed' });
    await plan('decoy-ke');
    await child('KubernetesExecution', 'decoy-ke-step-a');
    const recorded = await k.waitUntil('RemediationRequest', ns, (items) => {
      const refs = status(byName('decoy-ke')(items)).kubernetesExecutionRefs as
        { name: string }[] | undefined;
      return refs?.length ? refs : undefined;
    });
    expect(recorded.map((r) => r.name)).to.deep.equal(['decoy-ke-step-a']);
    expect(status(byName('decoy-ke')(await k.list('RemediationRequest', ns))).phase).to.equal('Executing');
    await k.patchStatus('KubernetesExecution', ns, 'decoy-ke-step-a', { phase: 'Completed' });
    await waitPhase('decoy-ke', 'Completed');
  });

  it('sends the escalation although another NotificationRequest carries the request UID', async function () {
    const rr = await k.create('RemediationRequest', ns, remediationRequest('decoy-nr'));
    await child('RemediationProcessing', 'decoy-nr-processing');
    await k.create('NotificationRequest', ns, {
      metadata: { name: 'decoy-nr-lookalike' },
      spec: {
        remediationRequestRef: parentRef(rr),
        targetingData: targetingData(),
        type: 'escalation',
        priority: 'high',
        channels: ['slack'],
        title: 't',
        message: 'm',
        metadata: {},
      },
    });
    await k.patchStatus('RemediationProcessing', ns, 'decoy-nr-processing', { phase: 'Failed' });
    await waitPhase('decoy-nr', 'Failed');
    await child('NotificationRequest', childNames.notification('decoy-nr', 'escalation', rr.metadata.uid!));
  });

  it('fails a request whose execution is deleted right after its creation, and never creates it again', async function () {
    await toPlanning('deleted-ke');
    // Step b is created when a completes, within the progress interval of the last status write.
    await plan('deleted-ke', [{ name: 'a' }, { name: 'b', dependsOn: ['a'] }]);
    await child('KubernetesExecution', 'deleted-ke-step-a');
    await k.patchStatus('KubernetesExecution', ns, 'deleted-ke-step-a', { phase: 'Completed' });
    await child('KubernetesExecution', 'deleted-ke-step-b');
    await k.delete('KubernetesExecution', ns, 'deleted-ke-step-b');
    const failed = await waitPhase('deleted-ke', 'Failed');
    expect(status(failed).reason).to.equal('ChildDeleted');
    expect((await k.list('KubernetesExecution', ns)).map((ke) => ke.metadata.name)).to.not.include(
      'deleted-ke-step-b',
    );
  });
});
