import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import {
  NOTIFICATION_MESSAGE_MAX_LENGTH,
  NOTIFICATION_METADATA_VALUE_MAX_LENGTH,
  characterLength,
  notificationPlanPicture,
  type PictureStep,
} from '../../src/actors/plan-picture.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects } from '../support/kube.js';

describe('plan pictures in a NotificationRequest, against the API server', function () {
  let kc: KubeConfig;
  let objects: Objects;
  let ns: string;
  let created = 0;

  const notification = (message: string, mermaid: string) =>
    objects.create('NotificationRequest', ns, {
      metadata: { name: `picture-${++created}` },
      spec: {
        remediationRequestRef: { name: 'rr', namespace: ns, uid: 'uid-1' },
        targetingData: targetingData(),
        type: 'approval',
        message,
        metadata: { planMermaid: mermaid },
      },
    });

  before(async function () {
    kc = controlPlane().kubeConfig;
    objects = new Objects(kc);
    ns = await createNamespace(kc, 'picture');
  });
  after(async function () {
    await deleteNamespace(kc, ns);
  });

  it('accepts both pictures of a 50-step plan with the longest names, shortened to the limits', async function () {
    const name = (i: number) => `step-${String(i).padStart(2, '0')}-`.padEnd(63, 'x');
    const plan: PictureStep[] = Array.from({ length: 50 }, (_, i) => ({
      name: name(i),
      dependsOn: [i - 1, i - 2].filter((d) => d >= 0).map(name),
    }));
    const { ascii, mermaid } = notificationPlanPicture(plan);
    expect(ascii.omittedSteps).to.be.greaterThan(0);
    const nr = await notification(ascii.text, mermaid.text);
    expect(nr.spec?.message).to.equal(ascii.text);
  });

  it('counts the limits in characters, as characterLength does', async function () {
    const longest = (max: number) => '…'.repeat(max);
    expect(characterLength(longest(NOTIFICATION_MESSAGE_MAX_LENGTH))).to.equal(
      NOTIFICATION_MESSAGE_MAX_LENGTH,
    );
    await notification(
      longest(NOTIFICATION_MESSAGE_MAX_LENGTH),
      longest(NOTIFICATION_METADATA_VALUE_MAX_LENGTH),
    );
    const refused = await notification(longest(NOTIFICATION_MESSAGE_MAX_LENGTH + 1), '').then(
      () => undefined,
      (err: { code?: number; body?: unknown }) => err,
    );
    expect(refused?.code).to.equal(422);
    expect(JSON.stringify(refused?.body)).to.include('spec.message');
  });
});
