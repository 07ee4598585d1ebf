import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { SCENARIO_ANNOTATION, startSimulator, type Simulator } from '../../src/sim/index.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';
import { isFinished } from '../support/load.js';
import { startOrchestratorProcess } from '../support/orchestrator-process.js';

/** Approval required and granted, three steps (a, then b; c independent): 10 writes of our own resources and more. */
const scenario = JSON.stringify({
  processing: { delayMs: 0 },
  analysis: { delayMs: 0, requiresApproval: true, approvalDecision: 'Approved', approvalDelayMs: 0 },
  workflow: { delayMs: 0 },
  plan: [
    { name: 'a', action: 'scale' },
    { name: 'b', action: 'restart', dependsOn: ['a'] },
    { name: 'c', action: 'annotate' },
  ],
  execution: { delayMs: 0 },
  notification: { delayMs: 0 },
});

const EXPECTED_CHILDREN = {
  RemediationProcessing: 1,
  AIAnalysis: 1,
  WorkflowExecution: 1,
  KubernetesExecution: 3,
} as const;

describe('killing the orchestrator between any two writes', function () {
  this.timeout(600_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let sim: Simulator;

  before(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'crash');
    sim = await startSimulator({ kubeConfig: kc, namespaces: [ns] });
  });
  after(async function () {
    await sim?.stop();
    await deleteNamespace(kc, ns);
  });

  const terminal = (name: string) => (items: Obj[]) => {
    const rr = items.find((o) => o.metadata.name === name);
    return isFinished(rr) ? rr : undefined;
  };

  async function childrenOf(name: string): Promise<Record<string, Obj[]>> {
    const out: Record<string, Obj[]> = {};
    for (const kind of [
      ...(Object.keys(EXPECTED_CHILDREN) as (keyof typeof EXPECTED_CHILDREN)[]),
      'NotificationRequest' as const,
    ]) {
      out[kind] = await k.list(kind, ns, `kubernaut.ai/remediation-request=${name}`);
    }
    return out;
  }

  // A full run makes about 16 writes of our own resources; crash after each of the first 16.
  for (let n = 1; n <= 16; n++) {
    it(`recovers with no duplicate and no lost child after a crash following write ${n}`, async function () {
      const name = `crash-${n}`;
      await k.create('RemediationRequest', ns, {
        metadata: { name },
        spec: { targetingData: targetingData({ annotations: { [SCENARIO_ANNOTATION]: scenario } }) },
      });
      const plane = controlPlane();
      const crashing = startOrchestratorProcess(plane.kubeconfigPath, [ns], {
        ORCHESTRATOR_TEST_CRASH_AFTER_WRITES: String(n),
      });
      const outcome = await Promise.race([
        crashing.exited,
        k
          .waitUntil('RemediationRequest', ns, terminal(name), 90_000, `${name} finishes`)
          .then(() => 'finished' as const),
      ]);
      await crashing.kill();
      if (outcome !== 'finished') expect(outcome.signal, crashing.output()).to.equal('SIGKILL');

      const recovering = startOrchestratorProcess(plane.kubeconfigPath, [ns]);
      try {
        const rr = await k.waitUntil(
          'RemediationRequest',
          ns,
          terminal(name),
          90_000,
          `${name} finishes after the restart`,
        );
        expect((rr.status as { phase: string }).phase, recovering.output()).to.equal('Completed');
        const children = await childrenOf(name);
        for (const [kind, count] of Object.entries(EXPECTED_CHILDREN))
          expect(children[kind], `${kind} of ${name}`).to.have.length(count);
        // An analysis already decided when the orchestrator gets to send the approval notification
        // needs nobody to be asked, so it is not sent; the status says whether it was.
        const status = rr.status as {
          remediationProcessingRef: { uid: string };
          kubernetesExecutionRefs: { uid: string }[];
          approvalNotificationSent?: boolean;
        };
        const waited = status.approvalNotificationSent === true;
        const types = children.NotificationRequest!.map((nr) => nr.spec?.type).sort();
        expect(
          types.filter((t) => t === 'success'),
          'one success notification',
        ).to.have.length(1);
        expect(types.filter((t) => t === 'approval').length, 'approval notifications').to.be.at.most(1);
        if (waited)
          expect(
            types,
            JSON.stringify({ status: rr.status, notifications: children.NotificationRequest }, null, 1),
          ).to.include('approval');
        expect(status.remediationProcessingRef.uid).to.equal(
          children.RemediationProcessing![0]!.metadata.uid,
        );
        expect(status.kubernetesExecutionRefs.map((r) => r.uid).sort()).to.deep.equal(
          children.KubernetesExecution!.map((ke) => ke.metadata.uid).sort(),
        );
      } finally {
        await recovering.kill('SIGTERM');
      }
    });
  }
});
