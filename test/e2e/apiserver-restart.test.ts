import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { SCENARIO_ANNOTATION, startSimulator, type Simulator } from '../../src/sim/index.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects } from '../support/kube.js';
import { allFinished } from '../support/load.js';
import { startOrchestrator, type RunningOrchestrator } from '../support/orchestrator.js';

const COUNT = 30;
const scenario = JSON.stringify({
  processing: { delayMs: 300 },
  analysis: { delayMs: 300 },
  workflow: { delayMs: 300 },
  plan: [
    { name: 'a', action: 'scale' },
    { name: 'b', action: 'restart', dependsOn: ['a'] },
  ],
  execution: { delayMs: 1500 },
  notification: { delayMs: 0 },
});

describe('the API server restarting mid-flight', function () {
  this.timeout(300_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let sim: Simulator;
  let orchestrator: RunningOrchestrator;

  before(async function () {
    if (!controlPlane().local) this.skip();
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'restart');
    sim = await startSimulator({ kubeConfig: kc, namespaces: [ns] });
    orchestrator = await startOrchestrator(kc, [ns]);
  });
  after(async function () {
    await orchestrator?.stop();
    await sim?.stop();
    if (ns) await deleteNamespace(kc, ns);
  });

  it('reconnects, resyncs and finishes every request', async function () {
    const names = Array.from({ length: COUNT }, (_, i) => `restart-${i}`);
    await Promise.all(
      names.map((name) =>
        k.create('RemediationRequest', ns, {
          metadata: { name },
          spec: { targetingData: targetingData({ annotations: { [SCENARIO_ANNOTATION]: scenario } }) },
        }),
      ),
    );
    // Restart while the requests are spread over the phases: some executing, none finished.
    await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => items.some((o) => (o.status as { phase?: string })?.phase === 'Executing'),
      60_000,
      'one request executing',
    );
    await controlPlane().restartApiServer();
    const done = await k.waitUntil(
      'RemediationRequest',
      ns,
      allFinished(COUNT),
      180_000,
      `all ${COUNT} finish after the restart`,
    );
    expect(
      done.filter((o) => (o.status as { phase: string }).phase !== 'Completed').map((o) => o.metadata.name),
    ).to.deep.equal([]);
    const executions = await k.list('KubernetesExecution', ns);
    expect(executions).to.have.length(COUNT * 2);
  });
});
