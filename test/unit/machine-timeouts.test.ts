// Deadline rules with a simulated clock: per phase, global, per-request overrides, restarts.
import { expect } from 'chai';
import { MemoryCluster } from '../support/memory-cluster.js';
import {
  MINUTE,
  T0,
  harness,
  request,
  restarted,
  type Harness,
  type Reachable,
} from '../support/machine-harness.js';

type Spec = ReturnType<typeof request>['spec'];
const withTimeouts = (timeouts: Spec['timeouts']) => harness(request('rr1', { timeouts }));
/** The request keeps its phase until `ms` from now, 1 ms before included, and times out exactly then. */
async function timesOutIn(h: Harness, ms: number, expected: Record<string, unknown>): Promise<void> {
  const phase = h.status().phase;
  await h.advance(ms - 1);
  expect(h.status().phase, '1 ms before the deadline').to.equal(phase);
  await h.advance(1);
  expect(h.status()).to.include({ phase: 'TimedOut', ...expected });
}
const escalation = (h: Harness) => {
  const all = h.cluster.ofKind('NotificationRequest').filter((n) => n.spec.type === 'escalation');
  expect(all).to.have.length(1);
  return all[0]!.spec.metadata as Record<string, string>;
};

describe('the remediation machine: timeouts', function () {
  const limits: [Reachable, number, string][] = [
    ['Processing', 15 * MINUTE, 'RemediationProcessing/rr1-processing'],
    ['Analyzing', 15 * MINUTE, 'AIAnalysis/rr1-aianalysis'],
    ['AwaitingApproval', 15 * MINUTE, 'AIAnalysis/rr1-aianalysis'],
    ['WorkflowPlanning', 15 * MINUTE, 'WorkflowExecution/rr1-workflow'],
    ['Executing', 30 * MINUTE, 'KubernetesExecution/rr1-step-a'],
  ];
  for (const [phase, limit, stuck] of limits) {
    it(`times out ${phase} exactly at its ${limit / MINUTE}m deadline, not 1 ms before, with one escalation naming the stuck child`, async function () {
      const h = harness();
      await h.reach(phase);
      await timesOutIn(h, limit, { reason: 'PhaseTimeout', timeoutPhase: phase, success: false });
      expect(h.status().message).to.equal(`Phase ${phase} exceeded its timeout of ${limit / MINUTE}m.`);
      expect(Date.parse(h.status().completionTime ?? '')).to.equal(T0 + limit);
      expect(escalation(h)).to.include({
        phase: 'TimedOut',
        reason: 'PhaseTimeout',
        failedPhase: phase,
        timeoutPhase: phase,
        phaseDurationSeconds: String(limit / 1000),
        stuckChild: stuck,
      });
      expect(h.cluster.child(stuck.split('/')[1]!).spec.cancelRequested).to.equal(true);
      expect(h.cluster.events.at(-1)).to.include({ type: 'Warning', reason: 'PhaseTimeout' });
      await h.advance(MINUTE);
      expect(
        h.cluster.ofKind('NotificationRequest').filter((n) => n.spec.type === 'escalation'),
      ).to.have.length(1);
    });
  }

  it('times out a request stuck in Pending because every write fails, escalating once the API server is back', async function () {
    const cluster = new MemoryCluster(request());
    cluster.failNext = Number.MAX_SAFE_INTEGER;
    const h = harness(cluster);
    await h.settle();
    for (let t = 0; t < 15 * MINUTE; t += 30_000) await h.advance(30_000);
    expect(h.phase()).to.equal('TimedOut');
    expect(h.context().ledger.timeoutPhase).to.equal('Pending');
    cluster.failNext = 0;
    await h.advance(30_000);
    expect(h.status()).to.include({ phase: 'TimedOut', reason: 'PhaseTimeout', timeoutPhase: 'Pending' });
    const metadata = escalation(h);
    expect(metadata).to.include({ failedPhase: 'Pending', timeoutPhase: 'Pending' });
    expect(metadata.stuckChild).to.equal(undefined);
  });

  it('measures a phase from when it was entered: a phase entered later times out later', async function () {
    const h = harness();
    await h.reach('Processing');
    await h.advance(10 * MINUTE + 500);
    await h.childStatus('rr1-processing', { phase: 'Completed' });
    expect(Date.parse(h.status().phaseStartTime ?? '')).to.equal(T0 + 10 * MINUTE + 500);
    await timesOutIn(h, 15 * MINUTE, { timeoutPhase: 'Analyzing' });
  });

  it('times out the whole remediation at 1h from startTime with GlobalTimeout, though no phase outlived its own timeout', async function () {
    const h = harness();
    await h.reach('Processing');
    await h.advance(14 * MINUTE);
    await h.childStatus('rr1-processing', { phase: 'Completed' });
    await h.advance(14 * MINUTE);
    await h.childStatus('rr1-aianalysis', { phase: 'Approving', requiresApproval: true });
    await h.advance(14 * MINUTE);
    await h.childStatus('rr1-aianalysis', { phase: 'Ready', investigationResult: { recommendations: [] } });
    await h.advance(14 * MINUTE);
    await h.childStatus('rr1-workflow', {
      phase: 'Planned',
      plan: { steps: [{ name: 'a', action: 'restart' }] },
    });
    expect(h.status().phase).to.equal('Executing');
    await timesOutIn(h, 4 * MINUTE, { reason: 'GlobalTimeout', timeoutPhase: 'Executing' });
    expect(h.status().message).to.match(
      /^The remediation exceeded its global timeout of (1h|60m) while in phase Executing\.$/,
    );
    expect(escalation(h)).to.include({
      reason: 'GlobalTimeout',
      timeoutPhase: 'Executing',
      phaseDurationSeconds: String(4 * 60),
      stuckChild: 'KubernetesExecution/rr1-step-a',
    });
  });

  it('applies per-request spec.timeouts and shows them in status.effectiveTimeouts', async function () {
    const h = withTimeouts({ processing: '2m', executing: '1h30m' });
    await h.reach('Processing');
    expect(h.status().effectiveTimeouts).to.deep.equal({
      global: '1h',
      processing: '2m',
      analyzing: '15m',
      awaitingApproval: '15m',
      workflowPlanning: '15m',
      executing: '1h30m',
    });
    await timesOutIn(h, 2 * MINUTE, {
      reason: 'PhaseTimeout',
      timeoutPhase: 'Processing',
      message: 'Phase Processing exceeded its timeout of 2m.',
    });
  });

  it('times out globally with a per-request global timeout shorter than the phase timeout', async function () {
    const h = withTimeouts({ global: '10m' });
    await h.reach('Processing');
    await timesOutIn(h, 10 * MINUTE, { reason: 'GlobalTimeout', timeoutPhase: 'Processing' });
    expect(h.status().message).to.equal(
      'The remediation exceeded its global timeout of 10m while in phase Processing.',
    );
  });

  it('keeps a running request going when spec.timeouts.executing is raised before its deadline', async function () {
    const h = harness();
    await h.reach('Executing');
    await h.advance(20 * MINUTE);
    await h.patchRequest((rr) => ({ ...rr, spec: { ...rr.spec, timeouts: { executing: '45m' } } }));
    expect(h.status().effectiveTimeouts?.executing).to.equal('45m');
    await timesOutIn(h, 25 * MINUTE, {
      timeoutPhase: 'Executing',
      message: 'Phase Executing exceeded its timeout of 45m.',
    });
  });

  it('times out at once when a lowered timeout is already exceeded', async function () {
    const h = harness();
    await h.reach('Processing');
    await h.advance(5 * MINUTE);
    await h.patchRequest((rr) => ({ ...rr, spec: { ...rr.spec, timeouts: { processing: '3m' } } }));
    expect(h.status()).to.include({ phase: 'TimedOut', timeoutPhase: 'Processing' });
  });

  it('does not time out a terminal request, however long it stays', async function () {
    const h = harness();
    await h.reach('Processing');
    await h.childStatus('rr1-processing', { phase: 'Failed' });
    await h.advance(2 * 60 * MINUTE);
    expect(h.status()).to.include({ phase: 'Failed', reason: 'ProcessingFailed' });
  });

  describe('after a restart (deadlines come from the timestamps in status)', function () {
    it('times out at once a restored request whose deadline passed while no orchestrator ran', async function () {
      const first = harness();
      await first.reach('Processing');
      const h = restarted(first, 16 * MINUTE);
      await h.settle();
      expect(h.status()).to.include({
        phase: 'TimedOut',
        reason: 'PhaseTimeout',
        timeoutPhase: 'Processing',
      });
      expect(Date.parse(h.status().completionTime ?? '')).to.equal(T0 + 16 * MINUTE);
      expect(escalation(h)).to.include({ timeoutPhase: 'Processing', phaseDurationSeconds: String(16 * 60) });
    });

    it('keeps the original deadline of a restored request instead of restarting it from now', async function () {
      const first = harness();
      await first.reach('Processing');
      const h = restarted(first, 10 * MINUTE);
      await h.settle();
      expect(h.status().phase).to.equal('Processing');
      expect(Date.parse(h.status().phaseStartTime ?? '')).to.equal(T0);
      await timesOutIn(h, 5 * MINUTE, { timeoutPhase: 'Processing' });
    });

    it('keeps the global deadline of a restored request from its original startTime', async function () {
      const first = withTimeouts({ global: '20m', analyzing: '30m' });
      await first.reach('Analyzing');
      const h = restarted(first, 19 * MINUTE);
      await h.settle();
      expect(h.status().phase).to.equal('Analyzing');
      await h.advance(MINUTE);
      expect(h.status()).to.include({
        phase: 'TimedOut',
        reason: 'GlobalTimeout',
        timeoutPhase: 'Analyzing',
      });
    });
  });
});
