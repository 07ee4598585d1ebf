// Notifications are recorded, never lost and never blocking (shared/API.md), and a write the API
// server refuses is never silent: against the real API server, with the CRDs' own limits.
import { readFile } from 'node:fs/promises';
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1ClusterRole,
} from '@kubernetes/client-node';
import { expect } from 'chai';
import { parse } from 'yaml';
import { API_VERSION, KINDS, LIMITS, apiVersionOf, type ChildKindName } from '../../src/api/index.js';
import { codePoints } from '../../src/util/fit.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { notificationName, parentRef, remediationRequest, targetingData } from '../support/fixtures.js';
import {
  createNamespace,
  deleteNamespace,
  kubeConfigAs,
  Objects,
  waitForEventReasons,
  type Obj,
} from '../support/kube.js';
import { startOrchestrator, type RunningOrchestrator } from '../support/orchestrator.js';

const byName = (name: string) => (items: Obj[]) => items.find((o) => o.metadata.name === name);
const phaseOf = (o: Obj | undefined) => (o?.status as { phase?: string } | undefined)?.phase;
const inPhase = (name: string, phase: string) => (items: Obj[]) => {
  const o = byName(name)(items);
  return phaseOf(o) === phase ? o : undefined;
};
const parentUid = (nr: Obj) => (nr.spec?.remediationRequestRef as { uid?: string } | undefined)?.uid;
/** The notification of `type` that belongs to the request with this UID. */
const notificationOf = (uid: string, type: string) => (items: Obj[]) =>
  items.find((n) => parentUid(n) === uid && n.spec?.type === type);
type Condition = { type: string; status: string; reason: string; message: string };
const conditionOf = (o: Obj | undefined, type: string): Condition | undefined =>
  (o?.status as { conditions?: Condition[] } | undefined)?.conditions?.find((c) => c.type === type);
/** The request `name` once its condition `type` has `status`. */
const withCondition = (name: string, type: string, status: string) => (items: Obj[]) => {
  const o = byName(name)(items);
  return conditionOf(o, type)?.status === status ? o : undefined;
};

/**
 * Makes the API server refuse creates of `kind` in `namespace` that match the CEL `expression`, with
 * `reason` (RequestEntityTooLarge answers 413, Invalid 422): a ValidatingAdmissionPolicy and its
 * binding, removed by the function it returns.
 */
async function refuseCreates(
  kc: KubeConfig,
  namespace: string,
  kind: ChildKindName,
  expression: string,
  reason: 'RequestEntityTooLarge' | 'Invalid',
  probe: Record<string, unknown>,
): Promise<() => Promise<void>> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const name = `refuse-${KINDS[kind].plural}-${namespace}`;
  await api.createValidatingAdmissionPolicy({
    body: {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          resourceRules: [
            {
              apiGroups: [KINDS[kind].group],
              apiVersions: ['*'],
              operations: ['CREATE'],
              resources: [KINDS[kind].plural],
            },
          ],
        },
        validations: [{ expression: `!(${expression})`, reason, message: `refused by ${name}` }],
      },
    },
  });
  await api.createValidatingAdmissionPolicyBinding({
    body: { metadata: { name }, spec: { policyName: name, validationActions: ['Deny'] } },
  });
  // A new policy takes effect a moment later: a dry-run create of `probe` says when.
  const objects = new Objects(kc).api;
  for (let refused = false; !refused;) {
    refused = await objects
      .createNamespacedCustomObject({
        group: KINDS[kind].group,
        version: API_VERSION,
        plural: KINDS[kind].plural,
        namespace,
        dryRun: 'All',
        body: {
          apiVersion: apiVersionOf(kind),
          kind: KINDS[kind].kind,
          metadata: { name: 'probe' },
          spec: probe,
        },
      })
      .then(
        () => false,
        (err: { code?: number }) => err.code === (reason === 'Invalid' ? 422 : 413),
      );
    if (!refused) await new Promise((r) => setTimeout(r, 100));
  }
  return async () => {
    await api.deleteValidatingAdmissionPolicyBinding({ name }).catch(() => undefined);
    await api.deleteValidatingAdmissionPolicy({ name }).catch(() => undefined);
  };
}

/** The spec every child carries, of a request named `rr` that does not exist. */
const probeSpec = (rr = 'probe') => ({
  remediationRequestRef: parentRef({ metadata: { name: rr, namespace: 'x', uid: 'probe-uid' } }),
  targetingData: targetingData(),
});

/** The sum of a counter's values whose labels include `labels`. */
async function counted(
  orchestrator: RunningOrchestrator,
  metric: 'childCreateFailures' | 'apiRequests',
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await orchestrator.metrics[metric].get();
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('notifications and refused writes', function () {
  this.timeout(90_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let orchestrator: RunningOrchestrator | undefined;

  before(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'notify');
  });
  afterEach(async function () {
    await orchestrator?.stop();
    orchestrator = undefined;
  });
  after(async function () {
    await deleteNamespace(kc, ns);
  });

  const waitPhase = (name: string, phase: string, timeout = 20_000) =>
    k.waitUntil('RemediationRequest', ns, inPhase(name, phase), timeout, `${name} reaches ${phase}`);

  /** Creates `name` and fails its processing; resolves with the Failed request. */
  async function failProcessing(name: string): Promise<Obj> {
    await k.create('RemediationRequest', ns, remediationRequest(name));
    await waitPhase(name, 'Processing');
    await k.patchStatus('RemediationProcessing', ns, `${name}-processing`, {
      phase: 'Failed',
      message: 'the context API is down',
    });
    return waitPhase(name, 'Failed');
  }

  it('escalates a request named with 230 characters: the title is fitted to the CRD', async function () {
    orchestrator = await startOrchestrator(kc, [ns]);
    const name = 'r'.repeat(230);
    const failed = await failProcessing(name);
    const nr = await k.waitUntil(
      'NotificationRequest',
      ns,
      notificationOf(failed.metadata.uid!, 'escalation'),
      20_000,
      'the escalation exists',
    );
    expect(codePoints(nr.spec?.title as string)).to.be.at.most(LIMITS.notificationTitle.max);
    expect(nr.metadata.name).to.equal(notificationName(failed, 'escalation'));
  });

  it('escalates a request that reuses the name of a deleted one whose escalation is still there', async function () {
    orchestrator = await startOrchestrator(kc, [ns]);
    const first = await failProcessing('foo');
    await k.waitUntil('NotificationRequest', ns, byName(notificationName(first, 'escalation')));
    await k.delete('RemediationRequest', ns, 'foo');
    await k.waitUntil('RemediationRequest', ns, (items) => !byName('foo')(items), 20_000, 'foo is gone');
    await k.waitUntil(
      'RemediationProcessing',
      ns,
      (items) => !byName('foo-processing')(items),
      60_000,
      'the garbage collector removes the old processing',
    );
    const second = await failProcessing('foo');
    expect(second.metadata.uid).to.not.equal(first.metadata.uid);
    const escalation = await k.waitUntil(
      'NotificationRequest',
      ns,
      notificationOf(second.metadata.uid!, 'escalation'),
      20_000,
      'the second foo has an escalation of its own',
    );
    expect(escalation.metadata.name).to.equal(notificationName(second, 'escalation'));
    const all = await k.list('NotificationRequest', ns, 'kubernaut.ai/remediation-request=foo');
    expect(all.map(parentUid)).to.have.members([first.metadata.uid, second.metadata.uid]);
  });

  it('fails a request at once with ChildRejected when the API server answers 413 for its AIAnalysis', async function () {
    const lift = await refuseCreates(
      kc,
      ns,
      'AIAnalysis',
      "has(object.spec.enrichedData) && 'huge' in object.spec.enrichedData",
      'RequestEntityTooLarge',
      { ...probeSpec(), enrichedData: { huge: 1 } },
    );
    try {
      orchestrator = await startOrchestrator(kc, [ns]);
      const rr = await k.create('RemediationRequest', ns, remediationRequest('too-large'));
      await waitPhase('too-large', 'Processing');
      const started = Date.now();
      await k.patchStatus('RemediationProcessing', ns, 'too-large-processing', {
        phase: 'Completed',
        enrichedData: { huge: 'x'.repeat(1024) },
      });
      const failed = await waitPhase('too-large', 'Failed');
      expect(Date.now() - started, 'fails fast, not at a phase timeout').to.be.below(10_000);
      const status = failed.status as { reason: string; message: string };
      expect(status.reason).to.equal('ChildRejected');
      expect(status.message).to.contain('413');
      expect(conditionOf(failed, 'Ready')).to.include({ status: 'False', reason: 'ChildRejected' });
      await waitForEventReasons(kc, ns, 'too-large', ['ChildRejected']);
      await k.waitUntil('NotificationRequest', ns, notificationOf(rr.metadata.uid!, 'escalation'));
      expect(
        await counted(orchestrator, 'childCreateFailures', { kind: 'AIAnalysis', code: 'OBJECT_TOO_LARGE' }),
      ).to.equal(1);
    } finally {
      await lift();
    }
  });

  it('shows on a terminal request an escalation the API server refuses for good', async function () {
    const lift = await refuseCreates(
      kc,
      ns,
      'NotificationRequest',
      "object.spec.remediationRequestRef.name == 'refused-note'",
      'Invalid',
      { ...probeSpec('refused-note'), type: 'escalation' },
    );
    try {
      orchestrator = await startOrchestrator(kc, [ns]);
      const failed = await failProcessing('refused-note');
      expect(failed.status).to.include({ reason: 'ProcessingFailed' });
      const shown = await k.waitUntil(
        'RemediationRequest',
        ns,
        withCondition('refused-note', 'NotificationFailed', 'True'),
      );
      expect(conditionOf(shown, 'NotificationFailed')).to.include({ reason: 'InvalidObject' });
      expect(conditionOf(shown, 'NotificationFailed')?.message).to.contain('not tried again');
      await waitForEventReasons(kc, ns, 'refused-note', ['ProcessingFailed', 'NotificationFailed']);
      expect(
        await counted(orchestrator, 'childCreateFailures', {
          kind: 'NotificationRequest',
          code: 'INVALID_OBJECT',
        }),
      ).to.equal(1);
    } finally {
      await lift();
    }
  });

  describe('under a Role without create on notificationrequests', function () {
    const role = `remediation-orchestrator-no-notify-${Math.random().toString(16).slice(2, 8)}`;
    let rbac: RbacAuthorizationV1Api;
    let fullRole: V1ClusterRole;

    before(async function () {
      rbac = kc.makeApiClient(RbacAuthorizationV1Api);
      fullRole = parse(
        await readFile(new URL('../../config/rbac/role.yaml', import.meta.url), 'utf8'),
      ) as V1ClusterRole;
      const withoutCreate = fullRole.rules!.map((r) =>
        r.resources?.includes('notificationrequests')
          ? { ...r, verbs: r.verbs.filter((v) => v !== 'create') }
          : r,
      );
      await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccount({
        namespace: ns,
        body: { metadata: { name: 'orchestrator' } },
      });
      await rbac.createClusterRole({ body: { ...fullRole, metadata: { name: role }, rules: withoutCreate } });
      await rbac.createNamespacedRoleBinding({
        namespace: ns,
        body: {
          metadata: { name: role },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
          subjects: [{ kind: 'ServiceAccount', name: 'orchestrator', namespace: ns }],
        },
      });
    });
    after(async function () {
      await rbac.deleteClusterRole({ name: role }).catch(() => undefined);
    });

    it('writes Failed, its reason and its Event, shows the forbidden escalation, and creates it once allowed', async function () {
      orchestrator = await startOrchestrator(await kubeConfigAs(kc, ns, 'orchestrator'), [ns]);
      const started = Date.now();
      const failed = await failProcessing('forbidden-note');
      expect(failed.status).to.include({ reason: 'ProcessingFailed', message: 'the context API is down' });
      await waitForEventReasons(kc, ns, 'forbidden-note', ['ProcessingFailed', 'NotificationFailed']);
      const shown = await k.waitUntil(
        'RemediationRequest',
        ns,
        withCondition('forbidden-note', 'NotificationFailed', 'True'),
      );
      expect(conditionOf(shown, 'NotificationFailed')).to.include({ reason: 'Forbidden' });
      expect(conditionOf(shown, 'NotificationFailed')?.message).to.contain('retrying with backoff');

      const refused = await counted(orchestrator, 'apiRequests', {
        verb: 'create',
        kind: 'NotificationRequest',
        code: '403',
      });
      const seconds = (Date.now() - started) / 1000;
      // Backoff from 50 ms doubling to 2 s (test/support/orchestrator.ts): about 6 attempts in the
      // first 3 s, then one per 1-2 s; a hot loop would make a hundred.
      expect(refused, `403s in ${seconds.toFixed(1)} s`).to.be.within(1, 8 + seconds);

      await rbac.replaceClusterRole({ name: role, body: { ...fullRole, metadata: { name: role } } });
      await k.waitUntil(
        'NotificationRequest',
        ns,
        notificationOf(failed.metadata.uid!, 'escalation'),
        30_000,
        'the escalation once create is allowed',
      );
      const cleared = await k.waitUntil(
        'RemediationRequest',
        ns,
        withCondition('forbidden-note', 'NotificationFailed', 'False'),
      );
      expect(conditionOf(cleared, 'Escalated')).to.include({ status: 'True' });
    });
  });
});
