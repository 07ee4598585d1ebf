import { PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { KINDS } from '../../src/api/index.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { remediationRequest } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects } from '../support/kube.js';
import { busiestSecond, inBatches, phaseOf } from '../support/load.js';
import { startOrchestrator, type RunningOrchestrator } from '../support/orchestrator.js';

const COUNT = 1000;
const QPS = 300;
const BURST = 100;

describe(`${COUNT} requests timing out in the same second`, function () {
  this.timeout(600_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let orchestrator: RunningOrchestrator | undefined;
  const tune = (c: { api: { qps: number; burst: number } }) => {
    c.api.qps = QPS;
    c.api.burst = BURST;
  };

  before(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'storm');
  });
  after(async function () {
    await orchestrator?.stop();
    await deleteNamespace(kc, ns);
  });

  it('escalates every one exactly once, within the rate limit, and still picks up a new request promptly', async function () {
    const names = Array.from({ length: COUNT }, (_, i) => `storm-${i}`);
    orchestrator = await startOrchestrator(kc, [ns], tune);
    await inBatches(names, 50, (name) =>
      k.create('RemediationRequest', ns, remediationRequest(name, { timeouts: { processing: '1h' } })),
    );
    await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => items.filter((o) => phaseOf(o) === 'Processing').length === COUNT || undefined,
      300_000,
      'all in Processing',
    );
    await orchestrator.stop();

    // While no orchestrator runs, every request's processing deadline moves into the past.
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await inBatches(names, 50, (name) =>
      k.api.patchNamespacedCustomObject(
        {
          group: KINDS.RemediationRequest.group,
          version: 'v1alpha1',
          plural: 'remediationrequests',
          namespace: ns,
          name,
          body: { spec: { timeouts: { processing: '1s' } } },
        },
        merge,
      ),
    );

    orchestrator = await startOrchestrator(kc, [ns], tune);
    orchestrator.writer.recordIssued = true;
    const startedAt = Date.now();
    await k.create('RemediationRequest', ns, remediationRequest('newcomer'));
    const picked = await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => (phaseOf(items.find((o) => o.metadata.name === 'newcomer')) ? true : undefined),
      60_000,
      'the newcomer is picked up',
    );
    const pickupMs = Date.now() - startedAt;
    expect(picked).to.equal(true);

    const timedOut = await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => {
        const done = items.filter((o) => phaseOf(o) === 'TimedOut');
        return done.length === COUNT ? done : undefined;
      },
      300_000,
      `all ${COUNT} time out`,
    );
    const stormMs = Date.now() - startedAt;
    const decided = timedOut.map((o) =>
      Date.parse(
        (o.status as { phaseHistory: { phase: string; enteredAt: string }[] }).phaseHistory.find(
          (h) => h.phase === 'TimedOut',
        )!.enteredAt,
      ),
    );
    expect(timedOut.every((o) => (o.status as { reason: string }).reason === 'PhaseTimeout')).to.equal(true);

    const escalations = await k.waitUntil(
      'NotificationRequest',
      ns,
      (items) => (items.length >= COUNT ? items : undefined),
      300_000,
      `${COUNT} escalations`,
    );
    expect(escalations).to.have.length(COUNT);
    expect(
      new Set(escalations.map((n) => (n.spec?.remediationRequestRef as { name: string }).name)).size,
      'one per request',
    ).to.equal(COUNT);
    expect(escalations.every((n) => n.spec?.type === 'escalation')).to.equal(true);

    expect(busiestSecond(orchestrator.writer.issued), 'API calls in the busiest second').to.be.at.most(
      QPS + BURST,
    );
    // Correctness bounds with a generous margin: the machines are shared and noisy.
    expect(pickupMs, `the newcomer waited ${pickupMs} ms while the storm took ${stormMs} ms`).to.be.below(
      Math.max(5000, stormMs / 2),
    );
    expect(
      Math.max(...decided) - Math.min(...decided),
      'all decided within a few seconds of start-up',
    ).to.be.below(15_000);
  });
});
