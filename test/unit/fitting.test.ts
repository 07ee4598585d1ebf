// Every text the orchestrator builds fits the schema it is written into: requests, children,
// notifications and Events made from inputs at the very limits of their own schemas are accepted by
// the CRDs of config/crd/ (validated here as the API server would, test/support/crd-schema.ts).
import { expect } from 'chai';
import { LIMITS } from '../../src/api/index.js';
import { enterPhase, ledgerFrom } from '../../src/actors/status.js';
import { codePoints } from '../../src/util/fit.js';
import { schemaViolations } from '../support/crd-schema.js';
import {
  approving,
  harness,
  MINUTE,
  request,
  testSettings,
  type Harness,
} from '../support/machine-harness.js';

const long = (n: number, c = 'x') => c.repeat(n);

/** A request at the limits of its schema: a 230-character name, a 253-character alert name. */
const longRequest = () =>
  request(long(230, 'r'), {
    targetingData: {
      signalFingerprint: long(128, 'f'),
      alertName: long(253, 'A'),
      environment: long(63, 'e'),
      severity: long(50, 's'),
    },
  });

/** What the API server would refuse among everything the machine wrote. */
function violations(h: Harness): string[] {
  const out = schemaViolations('RemediationRequest', h.cluster.rr);
  for (const { kind, object } of h.cluster.children.values()) out.push(...schemaViolations(kind, object));
  for (const e of h.cluster.events)
    if (codePoints(e.message) > LIMITS.eventMessage.max) out.push(`Event ${e.reason}: message too long`);
  return out;
}

const escalation = (h: Harness) =>
  h.cluster.ofKind('NotificationRequest').find((n) => n.spec.type === 'escalation');

describe('texts fitted to the schemas they are written into', function () {
  it('escalates a request named with 230 characters whose processing fails with a 1024-character message', async function () {
    const h = harness(longRequest());
    await h.reach('Processing');
    await h.childStatus(h.child('processing'), { phase: 'Failed', message: long(1024, 'm') });
    expect(h.status()).to.include({ phase: 'Failed', reason: 'ProcessingFailed' });
    const nr = escalation(h);
    expect(nr, 'the escalation exists').to.not.equal(undefined);
    expect(codePoints(nr!.spec.title as string)).to.equal(LIMITS.notificationTitle.max);
    expect(nr!.spec.title).to.match(/…$/);
    expect(violations(h)).to.deep.equal([]);
  });

  it('fits a rejection by a long approver with a long justification into status.message', async function () {
    const h = harness(longRequest());
    await h.reach('AwaitingApproval');
    await h.childStatus(h.child('aianalysis'), {
      phase: 'Rejected',
      approval: { decision: 'Rejected', decidedBy: long(253, 'd'), justification: long(2048, 'j') },
    });
    expect(h.status()).to.include({ phase: 'Failed', reason: 'ApprovalRejected' });
    expect(codePoints(h.status().message ?? '')).to.equal(LIMITS.requestMessage.max);
    expect(h.notificationTypes()).to.have.members(['approval', 'escalation']);
    expect(violations(h)).to.deep.equal([]);
  });

  it('fits a failed step of a 63-character name with a 1024-character message', async function () {
    const step = long(63, 's');
    const h = harness(longRequest());
    await h.reach('Executing', [{ name: step }]);
    await h.childStatus(h.cluster.names('KubernetesExecution')[0]!, { phase: 'Failed', message: long(1024) });
    expect(h.status()).to.include({ phase: 'Failed', reason: 'StepFailed' });
    expect(violations(h)).to.deep.equal([]);
  });

  it('fits the names of 50 stuck steps into one metadata value of the escalation', async function () {
    const steps = Array.from({ length: 50 }, (_, i) => ({ name: `${long(60, 's')}-${i}` }));
    const h = harness(longRequest());
    await h.reach('Executing', steps);
    await h.advance(30 * MINUTE);
    expect(h.status()).to.include({ phase: 'TimedOut', reason: 'PhaseTimeout' });
    const stuck = escalation(h)!.spec.metadata as Record<string, string>;
    expect(stuck.stuckChild).to.match(/\(\+\d+ more\)$/);
    expect(violations(h)).to.deep.equal([]);
  });

  it('keeps at most 10 channels of at most 63 characters, however many the settings name', async function () {
    const channels = Array.from({ length: 12 }, (_, i) => `${long(100, 'c')}${i}`);
    const h = harness(request(), { ...testSettings, channels });
    await h.reach('Processing');
    await h.childStatus(h.child('processing'), { phase: 'Failed' });
    expect(escalation(h)!.spec.channels).to.have.length(LIMITS.notificationChannels.max);
    expect(violations(h)).to.deep.equal([]);
  });

  it('fits an approval notification of a long request with a long summary', async function () {
    const h = harness(longRequest());
    await h.reach('Analyzing');
    await h.childStatus(h.child('aianalysis'), {
      ...approving,
      approvalContext: { ...approving.approvalContext, summary: long(4096, '😀') },
    });
    expect(h.status().phase).to.equal('AwaitingApproval');
    expect(violations(h)).to.deep.equal([]);
  });

  it('keeps at most the 50 history entries the CRD allows, whatever the setting', function () {
    const settings = { ...testSettings, historyLimit: 1000 };
    let ledger = ledgerFrom(undefined);
    for (let i = 0; i < 60; i++)
      ledger = enterPhase(ledger, { phase: i % 2 ? 'Processing' : 'Analyzing' }, i * 1000, settings);
    expect(ledger.phaseHistory).to.have.length(LIMITS.requestPhaseHistory.max);
  });
});
