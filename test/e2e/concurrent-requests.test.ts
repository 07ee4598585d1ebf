import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { SCENARIO_ANNOTATION, startSimulator, type Simulator } from '../../src/sim/index.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';
import { allFinished, busiestSecond, inBatches } from '../support/load.js';
import { startOrchestrator, type RunningOrchestrator } from '../support/orchestrator.js';

const COUNT = 200;
const QPS = 150;
const BURST = 50;
const scenario = JSON.stringify({
  intermediatePhases: false,
  processing: { delayMs: 0 },
  analysis: { delayMs: 0 },
  workflow: { delayMs: 0 },
  plan: [
    { name: 'a', action: 'scale' },
    { name: 'b', action: 'restart', dependsOn: ['a'] },
    { name: 'c', action: 'annotate' },
  ],
  execution: { delayMs: 0 },
  notification: { delayMs: 0 },
});

describe(`${COUNT} concurrent requests through the whole flow`, function () {
  this.timeout(300_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let sim: Simulator;
  let orchestrator: RunningOrchestrator;

  before(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'load');
    sim = await startSimulator({ kubeConfig: kc, namespaces: [ns], maxConcurrentWrites: 32 });
    orchestrator = await startOrchestrator(kc, [ns], (c) => {
      c.api.qps = QPS;
      c.api.burst = BURST;
    });
    orchestrator.writer.recordIssued = true;
  });
  after(async function () {
    await orchestrator?.stop();
    await sim?.stop();
    await deleteNamespace(kc, ns);
  });

  it('completes every one with exactly its children, within the writer rate limit', async function () {
    const names = Array.from({ length: COUNT }, (_, i) => `load-${i}`);
    await inBatches(names, 25, (name) =>
      k.create('RemediationRequest', ns, {
        metadata: { name },
        spec: { targetingData: targetingData({ annotations: { [SCENARIO_ANNOTATION]: scenario } }) },
      }),
    );
    const done = await k.waitUntil(
      'RemediationRequest',
      ns,
      allFinished(COUNT),
      240_000,
      `all ${COUNT} requests finish`,
    );
    expect(
      done.filter((o) => (o.status as { phase: string }).phase !== 'Completed').map((o) => o.metadata.name),
    ).to.deep.equal([]);

    const countBy = (items: Obj[]): Map<string, number> => {
      const m = new Map<string, number>();
      for (const o of items) {
        const owner = (o.metadata.labels as Record<string, string>)['kubernaut.ai/remediation-request']!;
        m.set(owner, (m.get(owner) ?? 0) + 1);
      }
      return m;
    };
    const expected = {
      RemediationProcessing: 1,
      AIAnalysis: 1,
      WorkflowExecution: 1,
      KubernetesExecution: 3,
      NotificationRequest: 1,
    } as const;
    for (const [kind, n] of Object.entries(expected) as [keyof typeof expected, number][]) {
      const counts = countBy(await k.list(kind, ns));
      const wrong = names.filter((name) => counts.get(name) !== n);
      expect(wrong, `${kind}: requests without exactly ${n}`).to.deep.equal([]);
    }

    const issued = orchestrator.writer.issued;
    expect(issued.length, 'API calls counted').to.be.greaterThan(COUNT * 10);
    expect(
      busiestSecond(issued),
      `at most burst + qps calls in any second (of ${issued.length})`,
    ).to.be.at.most(BURST + QPS);
  });
});
