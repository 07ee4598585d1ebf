// Notifications are recorded, never blocking (shared/API.md): a notification the API server does not
// create holds back neither the phase nor its reason and Event; it shows on the request, and a
// transient failure is tried again with backoff. A child the API server refuses for good fails the
// request at once.
import { expect } from 'chai';
import type { Harness } from '../support/machine-harness.js';
import { approving, harness, testBackoff } from '../support/machine-harness.js';

const condition = (h: Harness, type: string) => h.status().conditions?.find((c) => c.type === type);
const eventReasons = (h: Harness) => h.cluster.events.map((e) => e.reason);

async function failProcessing(h: Harness): Promise<void> {
  await h.reach('Processing');
  await h.childStatus(h.child('processing'), { phase: 'Failed', message: 'no context' });
}

describe('the remediation machine: notifications that cannot be created', function () {
  it('writes Failed, its reason and its Event when the escalation is forbidden, and shows why', async function () {
    const h = harness();
    h.cluster.refuse('NotificationRequest', 'FORBIDDEN');
    await failProcessing(h);
    expect(h.status()).to.include({ phase: 'Failed', reason: 'ProcessingFailed', message: 'no context' });
    expect(eventReasons(h)).to.include.members(['ProcessingFailed', 'NotificationFailed']);
    const warning = h.cluster.events.find((e) => e.reason === 'NotificationFailed');
    expect(warning).to.include({ type: 'Warning', notable: true });
    expect(condition(h, 'NotificationFailed')).to.include({ status: 'True', reason: 'Forbidden' });
    expect(condition(h, 'NotificationFailed')?.message).to.match(
      /^The escalation notification could not be created \(retrying with backoff\): /,
    );
    expect(h.notificationTypes()).to.deep.equal([]);
  });

  it('tries the escalation again after a growing backoff, then records it and clears the condition', async function () {
    const h = harness();
    h.cluster.refuse('NotificationRequest', 'FORBIDDEN');
    await failProcessing(h);
    expect(h.cluster.attempts('NotificationRequest')).to.equal(1);
    await h.observe();
    await h.advance(testBackoff.initialMs - 1);
    expect(h.cluster.attempts('NotificationRequest'), 'nothing before the backoff').to.equal(1);
    await h.advance(1);
    expect(h.cluster.attempts('NotificationRequest')).to.equal(2);
    await h.advance(2 * testBackoff.initialMs - 1);
    expect(h.cluster.attempts('NotificationRequest'), 'the second wait is twice as long').to.equal(2);
    await h.advance(1);
    expect(h.cluster.attempts('NotificationRequest')).to.equal(3);
    expect(
      eventReasons(h).filter((r) => r === 'NotificationFailed'),
      'one Event per run',
    ).to.have.length(1);

    h.cluster.refuse('NotificationRequest', undefined);
    await h.advance(4 * testBackoff.initialMs);
    expect(h.notificationTypes()).to.deep.equal(['escalation']);
    expect(h.status().notificationRefs?.map((r) => r.type)).to.deep.equal(['escalation']);
    expect(condition(h, 'NotificationFailed')).to.include({
      status: 'False',
      reason: 'NotificationsCreated',
    });
    expect(condition(h, 'Escalated')).to.include({ status: 'True' });
    expect(h.context().notificationsHeld).to.equal(false);
  });

  it('does not try again a notification refused for good, and says so on the request', async function () {
    const h = harness();
    h.cluster.refuse('NotificationRequest', 'INVALID_OBJECT', true);
    await failProcessing(h);
    expect(h.status()).to.include({ phase: 'Failed', reason: 'ProcessingFailed' });
    expect(condition(h, 'NotificationFailed')).to.include({ status: 'True', reason: 'InvalidObject' });
    expect(condition(h, 'NotificationFailed')?.message).to.contain('(not tried again)');
    await h.advance(60_000);
    await h.observe();
    expect(h.cluster.attempts('NotificationRequest')).to.equal(1);
    expect(h.context().notificationsHeld).to.equal(false);
  });

  it('enters AwaitingApproval although the approval notification cannot be created', async function () {
    const h = harness();
    h.cluster.refuse('NotificationRequest', 'FORBIDDEN');
    await h.reach('Analyzing');
    await h.childStatus(h.child('aianalysis'), approving);
    expect(h.status().phase).to.equal('AwaitingApproval');
    expect(h.status().approvalNotificationSent).to.equal(undefined);
    expect(condition(h, 'NotificationFailed')).to.include({ status: 'True', reason: 'Forbidden' });
    h.cluster.refuse('NotificationRequest', undefined);
    await h.advance(testBackoff.initialMs);
    expect(h.notificationTypes()).to.deep.equal(['approval']);
    expect(h.status()).to.include({ phase: 'AwaitingApproval', approvalNotificationSent: true });
  });

  it('says an approval notification is not tried again once the request no longer waits for approval', async function () {
    const h = harness();
    h.cluster.refuse('NotificationRequest', 'FORBIDDEN');
    await h.reach('Analyzing');
    await h.childStatus(h.child('aianalysis'), approving);
    await h.childStatus(h.child('aianalysis'), { phase: 'Failed', message: 'gave up' });
    expect(h.status()).to.include({ phase: 'Failed', reason: 'AnalysisFailed' });
    h.cluster.refuse('NotificationRequest', undefined);
    await h.advance(10 * testBackoff.initialMs);
    expect(h.notificationTypes()).to.deep.equal(['escalation']);
    expect(condition(h, 'NotificationFailed')).to.include({ status: 'True', reason: 'Forbidden' });
    expect(condition(h, 'NotificationFailed')?.message).to.match(
      /^The approval notification could not be created \(not tried again\): /,
    );
  });

  it('fails at once with ChildRejected when the API server refuses a working child for good', async function () {
    const h = harness();
    h.cluster.refuse('AIAnalysis', 'OBJECT_TOO_LARGE', true);
    await h.reach('Processing');
    await h.childStatus(h.child('processing'), { phase: 'Completed', enrichedData: { huge: true } });
    expect(h.status()).to.include({ phase: 'Failed', reason: 'ChildRejected' });
    expect(h.status().message).to.equal('create AIAnalysis: refused with OBJECT_TOO_LARGE');
    expect(eventReasons(h)).to.include('ChildRejected');
    expect(h.notificationTypes()).to.deep.equal(['escalation']);
  });
});
