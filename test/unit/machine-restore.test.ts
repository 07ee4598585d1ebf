// A machine built from a status written by an earlier run continues from there (restart, fail-over).
import { expect } from 'chai';
import { FINALIZER } from '../../src/api/index.js';
import { MemoryCluster } from '../support/memory-cluster.js';
import {
  T0,
  harness,
  planned,
  ready,
  request,
  restarted,
  type Reachable,
} from '../support/machine-harness.js';

const creates = (writes: string[]) => writes.filter((w) => w.startsWith('create'));

describe('the remediation machine: restore', function () {
  const next: [Reachable, string, Record<string, unknown>, string][] = [
    ['Processing', 'processing', { phase: 'Completed' }, 'Analyzing'],
    ['Analyzing', 'aianalysis', ready(), 'WorkflowPlanning'],
    ['AwaitingApproval', 'aianalysis', ready(), 'WorkflowPlanning'],
    ['WorkflowPlanning', 'workflow', planned([{ name: 'a' }]), 'Executing'],
    ['Executing', 'step-a', { phase: 'Completed' }, 'Completed'],
  ];
  for (const [phase, child, status, then] of next) {
    it(`continues a request restored in ${phase} without re-creating its children, then moves on to ${then}`, async function () {
      const first = harness();
      await first.reach(phase);
      const children = [...first.cluster.children.keys()];
      const h = restarted(first);
      await h.settle();
      expect(h.phase()).to.equal(phase);
      expect(h.cluster.writes).to.deep.equal([]);
      await h.childStatus(h.child(child), status);
      expect(h.status().phase).to.equal(then);
      expect(creates(h.cluster.writes).map((w) => w.split(' ')[2])).to.not.include.members(children);
    });
  }

  for (const [terminal, drive] of [
    ['Completed', (h: ReturnType<typeof harness>) => h.childStatus('rr1-step-a', { phase: 'Completed' })],
    ['Failed', (h: ReturnType<typeof harness>) => h.childStatus('rr1-step-a', { phase: 'Failed' })],
    ['TimedOut', (h: ReturnType<typeof harness>) => h.advance(30 * 60_000)],
    ['Cancelled', (h: ReturnType<typeof harness>) => h.cancel()],
  ] as const) {
    it(`keeps a request restored as ${terminal} as it is: no second notification, no write`, async function () {
      const first = harness();
      await first.reach('Executing');
      await drive(first);
      expect(first.status().phase).to.equal(terminal);
      const h = restarted(first, 60_000);
      await h.settle();
      await h.observe();
      expect(h.phase()).to.equal(terminal);
      expect(h.cluster.writes).to.deep.equal([]);
    });
  }

  it('creates the processing for a request restored in Pending, after a crash between the first two writes', async function () {
    const rr = request();
    const at = new Date(T0).toISOString();
    rr.metadata = { ...rr.metadata, finalizers: [FINALIZER] };
    rr.status = {
      phase: 'Pending',
      startTime: at,
      phaseStartTime: at,
      phaseHistory: [{ phase: 'Pending', enteredAt: at }],
    };
    const h = harness(new MemoryCluster(rr), undefined, T0 + 1_000);
    await h.settle();
    expect(h.status().phase).to.equal('Processing');
    expect(creates(h.cluster.writes)).to.deep.equal(['create RemediationProcessing rr1-processing']);
    expect(h.cluster.writes).to.not.include('addFinalizer');
    expect(h.status().startTime).to.equal(at);
    expect(h.status().phaseHistory?.map((p) => p.phase)).to.deep.equal([
      'Pending',
      'Initializing',
      'Processing',
    ]);
  });

  it('adopts a processing that exists but that the caches do not show yet (AlreadyExists, same owner)', async function () {
    const first = harness();
    await first.reach('Processing');
    const cluster = first.cluster.clone();
    cluster.rr = {
      ...cluster.rr,
      status: { ...cluster.rr.status, phase: 'Initializing', remediationProcessingRef: undefined },
    };
    cluster.hidden.add('rr1-processing');
    const h = harness(cluster);
    await h.settle();
    expect(h.status().phase).to.equal('Processing');
    expect(h.cluster.children.size).to.equal(1);
    expect(h.status().remediationProcessingRef?.uid).to.equal('uid-rr1-processing');
  });

  it('fails with ChildDeleted when a recorded child is missing and the verify read confirms it is gone', async function () {
    const first = harness();
    await first.reach('Analyzing');
    first.cluster.deleteChild('rr1-aianalysis');
    const h = restarted(first);
    await h.settle();
    expect(h.cluster.batches[0]?.verify).to.deep.equal([{ kind: 'AIAnalysis', name: 'rr1-aianalysis' }]);
    expect(h.status()).to.include({ phase: 'Failed', reason: 'ChildDeleted' });
    expect(h.status().message).to.equal(
      'A child of phase Analyzing was deleted while it was working: AIAnalysis/rr1-aianalysis.',
    );
    expect(h.notificationTypes()).to.deep.equal(['escalation']);
    expect(creates(h.cluster.writes)).to.deep.equal(['create NotificationRequest rr1-escalation-rr-uid']);
  });

  it('keeps a recorded child that the caches miss but the verify read finds', async function () {
    const first = harness();
    await first.reach('Analyzing');
    const cluster = first.cluster.clone();
    cluster.hidden.add('rr1-aianalysis');
    const h = harness(cluster, undefined, T0);
    await h.settle();
    expect(h.cluster.writes).to.deep.equal(['verify rr1-aianalysis']);
    expect(h.phase()).to.equal('Analyzing');
    cluster.hidden.clear();
    await h.childStatus('rr1-aianalysis', ready());
    expect(h.status().phase).to.equal('WorkflowPlanning');
  });

  it('fails with ChildDeleted when a running step recorded in status is gone after a restart', async function () {
    const first = harness();
    await first.reach('Executing', [{ name: 'a' }, { name: 'b' }]);
    await first.childStatus('rr1-step-a', { phase: 'Completed' });
    first.cluster.deleteChild('rr1-step-b');
    const h = restarted(first);
    await h.settle();
    expect(h.status()).to.include({ phase: 'Failed', reason: 'ChildDeleted' });
    expect(h.status().message).to.contain('KubernetesExecution/rr1-step-b');
  });

  it('fails with ChildDeleted when the informer reports the working child deleted', async function () {
    const h = harness();
    await h.reach('WorkflowPlanning');
    h.cluster.deleteChild('rr1-workflow');
    await h.observe(['rr1-workflow']);
    expect(h.status()).to.include({ phase: 'Failed', reason: 'ChildDeleted' });
    expect(h.cluster.batches.some((b) => b.verify.length > 0)).to.equal(false);
  });
});
