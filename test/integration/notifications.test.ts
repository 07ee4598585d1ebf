// Notifications are recorded, never lost and never blocking (shared/API.md), and a write the API
// server refuses is never silent: against the real API server, with the CRDs' own limits.
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { LIMITS } from '../../src/api/index.js';
import { codePoints } from '../../src/util/fit.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { notificationName, remediationRequest } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';
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
});
