// The writer under the API server's own backpressure: API Priority and Fairness gives the
// orchestrator's ServiceAccount a priority level of very few seats and a short queue, so that the
// server itself answers 429 to its writes under a burst. Every request must still complete.
import { readFile } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { parse } from 'yaml';
import { defaultConfig } from '../../src/config.js';
import { KubeHttp } from '../../src/k8s/kube-http.js';
import { createLogger, createMetrics } from '../../src/observability/index.js';
import { buildOrchestrator, type Orchestrator } from '../../src/orchestrator.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { limitWrites, type WriteLimit } from '../../src/testing/apf.js';
import { systemClock } from '../../src/util/clock.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { remediationRequest, targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, kubeConfigAs, Objects, type Obj } from '../support/kube.js';
import { allFinished, inBatches, phaseOf } from '../support/load.js';

const COUNT = 40;
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const FAST = {
  processing: { delayMs: 0 },
  analysis: { delayMs: 0 },
  workflow: { delayMs: 0 },
  execution: { delayMs: 0 },
  notification: { delayMs: 0 },
};

describe('writes under API Priority and Fairness with very few seats', function () {
  this.timeout(240_000);
  let admin: KubeConfig;
  let http: KubeHttp;
  let ns: string;
  let sim: Simulator | undefined;
  let orchestrator: Orchestrator | undefined;
  let writeLimit: WriteLimit | undefined;
  const suffix = Math.random().toString(16).slice(2, 8);
  const name = `ro-apf-${suffix}`;

  before(async function () {
    admin = controlPlane().kubeConfig;
    http = new KubeHttp(admin);
    ns = await createNamespace(admin, 'apf');
  });
  after(async function () {
    await orchestrator?.stop();
    await sim?.stop();
    await writeLimit?.remove();
    for (const path of [`${RBAC}/clusterrolebindings/${name}`, `${RBAC}/clusterroles/${name}`])
      await http.request('DELETE', path).catch(() => undefined);
    if (ns) await deleteNamespace(admin, ns);
  });

  it('turns 429s into waits: every request completes, the 429s and the shrinking limit are in the metrics', async function () {
    const role = parse(
      await readFile(new URL('../../config/rbac/role.yaml', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    await http.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, {
      body: { metadata: { name: 'orchestrator' } },
    });
    await http.request('POST', `${RBAC}/clusterroles`, { body: { ...role, metadata: { name } } });
    await http.request('POST', `${RBAC}/clusterrolebindings`, {
      body: {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name: 'orchestrator', namespace: ns }],
      },
    });
    // One share of about 250 of a 1,500-seat server: a handful of seats, nothing borrowed, a queue of 2.
    writeLimit = await limitWrites(admin, {
      name,
      subject: { kind: 'ServiceAccount', serviceAccount: { name: 'orchestrator', namespace: ns } },
      shares: 1,
      queueLengthLimit: 2,
    });

    sim = await startSimulator({ kubeConfig: admin, namespaces: [ns], defaultScenario: FAST });
    const config = defaultConfig();
    config.kube.namespaces = [ns];
    config.api.maxRetries = 0; // a 429 must not need a retry budget
    const metrics = createMetrics();
    const limits: number[] = [];
    const limitGauge = metrics.apiConcurrencyLimit;
    const set = limitGauge.set.bind(limitGauge) as (value: number) => void;
    limitGauge.set = ((value: number) => {
      limits.push(value);
      set(value);
    }) as typeof limitGauge.set;
    orchestrator = buildOrchestrator({
      kubeConfig: await kubeConfigAs(admin, ns, 'orchestrator'),
      config,
      clock: systemClock,
      logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }),
      metrics,
    });
    await orchestrator.start();

    const k = new Objects(admin);
    const names = Array.from({ length: COUNT }, (_, i) => `apf-${i}`);
    // Each its own signal and target, so that storm protection holds none back.
    const own = (n: string) =>
      remediationRequest(n, {
        targetingData: targetingData({
          signalFingerprint: `fp:${n}`,
          resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: n, namespace: 'payments' },
        }),
      });
    await inBatches(names, 20, (n) => k.create('RemediationRequest', ns, own(n)));
    const finished = await k.waitUntil(
      'RemediationRequest',
      ns,
      allFinished(COUNT),
      180_000,
      `all ${COUNT} requests finish`,
    );

    expect(finished.map((o: Obj) => phaseOf(o))).to.deep.equal(Array(COUNT).fill('Completed'));
    const calls = (await metrics.apiRequests.get()).values;
    const throttled = calls.filter((v) => v.labels.code === '429').reduce((n, v) => n + v.value, 0);
    expect(throttled, 'writes the API server turned away with 429').to.be.greaterThan(0);
    expect(
      calls.filter((v) => !['200', '201', '429'].includes(String(v.labels.code))).map((v) => v.labels),
      'no call failed otherwise',
    ).to.deep.equal([]);
    const cuts = limits.filter((limit, i) => i > 0 && limit < limits[i - 1]!).length;
    expect(cuts, 'times the concurrency limit shrank').to.be.greaterThan(0);
    if (process.env.APF_TEST_REPORT)
      console.log(
        `      ${writeLimit.nominalSeats ?? '?'} seats; 429s: ${throttled}; limit cut ${cuts} times, between ${Math.min(...limits)} and ${Math.max(...limits)}`,
      );
    const gauge = (await metrics.apiConcurrencyLimit.get()).values[0]?.value;
    expect(gauge).to.equal(orchestrator.writer.concurrencyLimit);
  });
});
