// A status write that meets 409 is not applied again as computed: the fresh request goes back, and
// the status written next is computed from it.
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { KINDS, type RemediationRequest } from '../../src/api/index.js';
import type { EffectBatch } from '../../src/actors/effects.js';
import { desiredStatus, enterPhase, ledgerFrom } from '../../src/actors/status.js';
import { RemediationApi } from '../../src/cluster/remediation-api.js';
import { ApiWriter } from '../../src/k8s/writer.js';
import { systemClock } from '../../src/util/clock.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { remediationRequest } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects } from '../support/kube.js';
import { testSettings } from '../support/machine-harness.js';

describe('a status write that meets a conflict', function () {
  this.timeout(60_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;

  before(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'conflict');
  });
  after(async function () {
    await deleteNamespace(kc, ns);
  });

  /** The batch that writes the status of a request just seen, computed from `rr` as it was then. */
  function statusBatch(rr: RemediationRequest): EffectBatch {
    const now = Date.now();
    const ledger = enterPhase(ledgerFrom(undefined), { phase: 'Pending' }, now, testSettings);
    const observed = { rr, executions: {}, notifications: {} };
    const meta = rr.metadata!;
    return {
      request: { namespace: meta.namespace!, name: meta.name!, uid: meta.uid! },
      observedMeta: { finalizers: [], resourceVersion: meta.resourceVersion },
      creates: [],
      verify: [],
      cancels: [],
      events: [],
      status: {
        status: desiredStatus(ledger, observed, testSettings, now),
        resourceVersion: meta.resourceVersion,
      },
    };
  }

  it('returns the fresh request instead of writing a status computed from a stale one; the next is computed from it', async function () {
    const writer = new ApiWriter({
      qps: 100,
      burst: 100,
      maxConcurrent: 10,
      maxRetries: 0,
      backoff: { initialMs: 10, maxMs: 10, jitter: 0 },
      clock: systemClock,
    });
    const api = new RemediationApi(kc, writer, systemClock);
    const stale = (await k.create(
      'RemediationRequest',
      ns,
      remediationRequest('raced'),
    )) as unknown as RemediationRequest;
    const batch = statusBatch(stale);
    expect(batch.status?.status.effectiveTimeouts?.global).to.equal('1h');
    // Someone raises the global timeout between the view and the write.
    await k.api.replaceNamespacedCustomObject({
      group: KINDS.RemediationRequest.group,
      version: 'v1alpha1',
      plural: 'remediationrequests',
      namespace: ns,
      name: 'raced',
      body: { ...stale, spec: { ...stale.spec, timeouts: { global: '2h' } } },
    });

    const first = await api.apply(batch);
    expect(first.writtenStatus, 'nothing written from the stale view').to.equal(undefined);
    const fresh = first.objects.find((o) => o.kind === 'RemediationRequest') as RemediationRequest;
    expect(fresh.spec.timeouts?.global).to.equal('2h');
    expect((await k.get('RemediationRequest', ns, 'raced')).status).to.equal(undefined);

    const second = await api.apply(statusBatch(fresh));
    expect(second.writtenStatus?.effectiveTimeouts?.global).to.equal('2h');
    const stored = await k.get('RemediationRequest', ns, 'raced');
    expect((stored.status as { effectiveTimeouts: { global: string } }).effectiveTimeouts.global).to.equal(
      '2h',
    );
  });
});
