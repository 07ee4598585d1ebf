// The approval NotificationRequest the orchestrator creates, as the API server stores it, carries the
// plan as an ASCII graph in spec.message and as Mermaid in spec.metadata.planMermaid (docs/notifications.md).
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { renderPlanAscii, renderPlanMermaid } from '../../src/actors/plan-picture.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { notificationName, remediationRequest } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';
import { startOrchestrator, type RunningOrchestrator } from '../support/orchestrator.js';

const byName = (name: string) => (items: Obj[]) => items.find((o) => o.metadata.name === name);
const phaseOf = (o: Obj | undefined) => (o?.status as { phase?: string } | undefined)?.phase;

interface Recommendation {
  name: string;
  action: string;
  dependsOn: string[];
}

describe('the approval notification shows the plan, against the API server', function () {
  this.timeout(60_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let orchestrator: RunningOrchestrator;

  before(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'approval-picture');
    orchestrator = await startOrchestrator(kc, [ns]);
  });
  after(async function () {
    await orchestrator?.stop();
    await deleteNamespace(kc, ns);
  });

  /** Drives a new request to AwaitingApproval on `recommendations`; returns its approval notification. */
  async function approvalOf(name: string, summary: string, recommendations: Recommendation[]): Promise<Obj> {
    const rr = await k.create('RemediationRequest', ns, remediationRequest(name));
    await k.waitUntil('RemediationProcessing', ns, byName(`${name}-processing`), 20_000, 'processing');
    await k.patchStatus('RemediationProcessing', ns, `${name}-processing`, { phase: 'Completed' });
    await k.waitUntil('AIAnalysis', ns, byName(`${name}-aianalysis`), 20_000, 'analysis');
    await k.patchStatus('AIAnalysis', ns, `${name}-aianalysis`, {
      phase: 'Approving',
      requiresApproval: true,
      approvalContext: {
        reason: 'production change',
        confidence: 0.8,
        summary,
        recommendedActions: recommendations.map((r) => `${r.name}: ${r.action}`),
      },
      investigationResult: { rootCause: 'memory leak', confidence: 0.8, recommendations },
    });
    await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => phaseOf(byName(name)(items)) === 'AwaitingApproval',
      20_000,
      `${name} awaits approval`,
    );
    return k.get('NotificationRequest', ns, notificationName(rr, 'approval'));
  }

  it('writes the ASCII graph after the summary in the message and the Mermaid source in metadata.planMermaid', async function () {
    const plan = [
      { name: 'drain-node', action: 'drain', dependsOn: [] },
      { name: 'scale-up', action: 'scale', dependsOn: ['drain-node'] },
      { name: 'restart-pod', action: 'restart', dependsOn: ['drain-node'] },
      { name: 'verify', action: 'check', dependsOn: ['scale-up', 'restart-pod'] },
    ];
    const nr = await approvalOf('diamond', 'Restart the leaking pods.', plan);
    const spec = nr.spec as { message: string; metadata: Record<string, string> };
    expect(spec.message).to.equal(
      `Restart the leaking pods.\n\nThe plan to approve:\n${renderPlanAscii(plan)}`,
    );
    expect(spec.message).to.include('3  verify       <- scale-up, restart-pod');
    expect(spec.metadata.planMermaid).to.equal(renderPlanMermaid(plan));
  });

  it('shortens both pictures of a 50-step plan with a note, and the API server accepts them', async function () {
    const stepName = (i: number) => `step-${String(i).padStart(2, '0')}-`.padEnd(63, 'x');
    const plan = Array.from({ length: 50 }, (_, i) => ({
      name: stepName(i),
      action: 'restart',
      dependsOn: [i - 1, i - 2].filter((d) => d >= 0).map(stepName),
    }));
    const summary = 's'.repeat(4096);
    const nr = await approvalOf('fifty-steps', summary, plan);
    const spec = nr.spec as { message: string; metadata: Record<string, string> };
    expect(spec.message.startsWith(`${summary}\n\nThe plan to approve:\n50 steps in 50 levels`)).to.equal(
      true,
    );
    expect(spec.message).to.match(/\n… and \d+ more steps$/);
    expect(spec.metadata.planMermaid).to.match(/^flowchart TD\n {2}s1\["step-00-x+"\]/);
    expect(spec.metadata.planMermaid).to.match(/ {2}more\["… and \d+ more steps"\]/);
  });
});
