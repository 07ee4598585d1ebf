// No silent stalls: an actor that spent its restart budget shows on its request in the API server (the
// condition ActorStopped and a Warning Event), and runs again once the request changes.
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { Observed } from '../../src/actors/observed.js';
import { defaultConfig } from '../../src/config.js';
import { createLogger, createMetrics, type Metrics } from '../../src/observability/index.js';
import { buildOrchestrator, type Orchestrator } from '../../src/orchestrator.js';
import { systemClock } from '../../src/util/clock.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { remediationRequest } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, waitForEventReasons, type Obj } from '../support/kube.js';
import { STORM_OFF } from '../support/orchestrator.js';

/** A request with this processing timeout gets a view its machine cannot read: its actor throws. */
const BREAKING_TIMEOUT = '17m';

/** A view whose request reads fine and whose every other part throws, as a bug of the machine would. */
const unreadable = (observed: Observed): Observed =>
  new Proxy(observed, {
    get(target, key) {
      if (key === 'rr') return target.rr;
      throw new TypeError(`the test made this view unreadable (${String(key)})`);
    },
  });

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}
const conditionOf = (o: Obj | undefined, type: string): Condition | undefined =>
  ((o?.status?.conditions ?? []) as Condition[]).find((c) => c.type === type);

describe('an actor that crashed too often', function () {
  this.timeout(60_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let metrics: Metrics;
  let orchestrator: Orchestrator | undefined;

  before(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'stopped');
    const config = defaultConfig();
    config.kube.namespaces = [ns];
    config.storm = { ...STORM_OFF };
    config.api.backoff = { initialMs: 50, maxMs: 2000, jitter: 0.5 };
    config.actors.maxRestarts = 2;
    config.actors.restartBackoff = { initialMs: 100, maxMs: 400, jitter: 0 };
    metrics = createMetrics();
    orchestrator = buildOrchestrator({
      kubeConfig: kc,
      config,
      clock: systemClock,
      logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }),
      metrics,
      alterView: (observed: Observed) =>
        observed.rr.spec.timeouts?.processing === BREAKING_TIMEOUT ? unreadable(observed) : observed,
    });
    await orchestrator.start();
  });
  after(async function () {
    await orchestrator?.stop();
    await deleteNamespace(kc, ns);
  });

  it('sets the condition ActorStopped and a Warning Event on the request, and runs again once the request changes', async function () {
    const name = 'crashes';
    await k.create(
      'RemediationRequest',
      ns,
      remediationRequest(name, { timeouts: { processing: BREAKING_TIMEOUT } }),
    );

    const stopped = await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => {
        const rr = items.find((o) => o.metadata.name === name);
        return conditionOf(rr, 'ActorStopped')?.status === 'True' && rr;
      },
      20_000,
      'the request shows ActorStopped',
    );
    const condition = conditionOf(stopped, 'ActorStopped')!;
    expect(condition).to.deep.include({ reason: 'CrashedTooOften', observedGeneration: 1 });
    expect(condition.message).to.include('crashed 3 times (restarted 2 times)');
    expect(condition.message).to.include('last error: TypeError: the test made this view unreadable');
    await waitForEventReasons(kc, ns, name, ['ActorStopped']);
    const events = await controlPlaneEvents(kc, ns, name);
    const warnings = events.filter((e) => e.reason === 'ActorStopped');
    expect(warnings, 'one Warning Event').to.have.length(1);
    expect(warnings[0]).to.include({ type: 'Warning', message: condition.message });
    expect((await metrics.actorsStopped.get()).values[0]?.value).to.equal(1);
    // The echo of its own condition write reaches the supervisor and does not wake the actor.
    const cached = () => orchestrator!.caches.requests.get(ns, name)?.metadata?.resourceVersion;
    while (cached() !== stopped.metadata.resourceVersion) await new Promise((r) => setTimeout(r, 20));
    expect(orchestrator!.supervisor.counts.running).to.equal(0);
    expect((await metrics.actorRestarts.get()).values[0]?.value).to.equal(2);
    expect((await k.get('RemediationRequest', ns, name)).metadata.resourceVersion).to.equal(
      stopped.metadata.resourceVersion,
    );

    // Its spec changes: the actor runs again and drops the condition.
    const current = await k.get('RemediationRequest', ns, name);
    await k.api.replaceNamespacedCustomObject({
      group: 'remediation.kubernaut.ai',
      version: 'v1alpha1',
      plural: 'remediationrequests',
      namespace: ns,
      name,
      body: { ...current, spec: { ...current.spec, timeouts: { processing: '20m' } } },
    });
    const resumed = await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => {
        const rr = items.find((o) => o.metadata.name === name);
        return rr?.status?.phase === 'Processing' && rr;
      },
      20_000,
      'the request reaches Processing',
    );
    expect(conditionOf(resumed, 'ActorStopped')).to.equal(undefined);
  });
});

async function controlPlaneEvents(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<{ reason?: string; type?: string; message?: string }[]> {
  const { CoreV1Api } = await import('@kubernetes/client-node');
  const list = await kc
    .makeApiClient(CoreV1Api)
    .listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}
