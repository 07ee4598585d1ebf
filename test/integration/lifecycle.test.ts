import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { CANCEL_ANNOTATION, KINDS } from '../../src/api/index.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { notificationName, remediationRequest } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, waitForEventReasons, type Obj } from '../support/kube.js';
import { eventually } from '../support/load.js';
import { startOrchestrator, type RunningOrchestrator } from '../support/orchestrator.js';

type Status = {
  phase?: string;
  reason?: string;
  message?: string;
  timeoutPhase?: string;
  phaseStartTime?: string;
  startTime?: string;
  phaseHistory?: { phase: string; enteredAt: string }[];
};
const statusOf = (o: Obj | undefined): Status => o?.status ?? {};
const byName = (name: string) => (items: Obj[]) => items.find((o) => o.metadata.name === name);
const inPhase = (name: string, phase: string) => (items: Obj[]) => {
  const o = byName(name)(items);
  return statusOf(o).phase === phase ? o : undefined;
};
const enteredAt = (o: Obj, phase: string): number =>
  Date.parse(statusOf(o).phaseHistory!.find((h) => h.phase === phase)!.enteredAt);
/** Lets wall-clock time pass: what is tested here is that nothing happens before a deadline. */
const elapse = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('time and lifecycle', function () {
  this.timeout(90_000);
  let kc: KubeConfig;
  let k: Objects;
  let ns: string;
  let orchestrator: RunningOrchestrator | undefined;

  beforeEach(async function () {
    kc = controlPlane().kubeConfig;
    k = new Objects(kc);
    ns = await createNamespace(kc, 'life');
  });
  afterEach(async function () {
    await orchestrator?.stop();
    orchestrator = undefined;
    await deleteNamespace(kc, ns);
  });

  const create = (name: string, spec: Record<string, unknown> = {}) =>
    k.create('RemediationRequest', ns, remediationRequest(name, spec));
  const waitPhase = (name: string, phase: string, timeout = 30_000) =>
    k.waitUntil('RemediationRequest', ns, inPhase(name, phase), timeout, `${name} reaches ${phase}`);

  it('records one Event per phase transition with --events=transitions', async function () {
    orchestrator = await startOrchestrator(kc, [ns], (c) => (c.events.policy = 'transitions'));
    await create('chatty');
    await waitPhase('chatty', 'Processing');
    const reasons = await waitForEventReasons(kc, ns, 'chatty', [
      'PhasePending',
      'PhaseInitializing',
      'PhaseProcessing',
    ]);
    expect(reasons).to.include.members(['PhasePending', 'PhaseInitializing', 'PhaseProcessing']);
  });

  it('times out a stuck processing phase within a second of its deadline, escalates once and cancels the processing', async function () {
    orchestrator = await startOrchestrator(kc, [ns]);
    await create('stuck', { timeouts: { processing: '2s' } });
    const processing = await waitPhase('stuck', 'Processing');
    const deadline = enteredAt(processing, 'Processing') + 2000;
    const timedOut = await waitPhase('stuck', 'TimedOut');
    const seenAt = Date.now();
    expect(statusOf(timedOut)).to.include({ reason: 'PhaseTimeout', timeoutPhase: 'Processing' });
    expect(statusOf(timedOut).message).to.equal('Phase Processing exceeded its timeout of 2s.');
    const firedAt = enteredAt(timedOut, 'TimedOut');
    expect(firedAt - deadline, 'fired after the deadline').to.be.at.least(0);
    expect(firedAt - deadline, 'fired within 1 s of the deadline (measured in status)').to.be.below(1000);
    expect(
      seenAt - deadline,
      'observed within 1 s of the deadline, with 1 s of margin for the watch',
    ).to.be.below(2000);
    const rp = await k.waitUntil('RemediationProcessing', ns, (items) => {
      const o = byName('stuck-processing')(items);
      return o?.spec?.cancelRequested === true ? o : undefined;
    });
    expect(rp.spec?.cancelRequested).to.equal(true);
    const escalation = await k.waitUntil(
      'NotificationRequest',
      ns,
      byName(notificationName(timedOut, 'escalation')),
    );
    const meta = escalation.spec?.metadata as Record<string, string>;
    expect(meta).to.include({
      phase: 'TimedOut',
      timeoutPhase: 'Processing',
      failedPhase: 'Processing',
      stuckChild: 'RemediationProcessing/stuck-processing',
      reason: 'PhaseTimeout',
    });
    expect(Number(meta.phaseDurationSeconds)).to.be.within(1, 3);
    expect(await k.list('NotificationRequest', ns)).to.have.length(1);
  });

  it('fires a deadline that passed while no orchestrator ran right after start-up, and keeps a future one where it was', async function () {
    orchestrator = await startOrchestrator(kc, [ns]);
    await create('passed', { timeouts: { processing: '3s' } });
    await create('ahead', { timeouts: { processing: '14s' } });
    const passed = await waitPhase('passed', 'Processing');
    const ahead = await waitPhase('ahead', 'Processing');
    await orchestrator.stop();
    orchestrator = undefined;
    const passedDeadline = enteredAt(passed, 'Processing') + 3000;
    const aheadDeadline = enteredAt(ahead, 'Processing') + 14_000;
    await elapse(passedDeadline + 5000 - Date.now());
    expect(
      statusOf(byName('passed')(await k.list('RemediationRequest', ns))).phase,
      'nothing runs while stopped',
    ).to.equal('Processing');
    const startedAt = Date.now();
    orchestrator = await startOrchestrator(kc, [ns]);
    const timedOut = await waitPhase('passed', 'TimedOut');
    expect(enteredAt(timedOut, 'TimedOut') - startedAt, 'right after start-up').to.be.below(2000);
    const stillAhead = byName('ahead')(await k.list('RemediationRequest', ns));
    expect(statusOf(stillAhead).phase).to.equal('Processing');
    expect(statusOf(stillAhead).phaseStartTime, 'the phase start is not reset by the restart').to.equal(
      statusOf(ahead).phaseStartTime,
    );
    const aheadTimedOut = await waitPhase('ahead', 'TimedOut');
    const firedAt = enteredAt(aheadTimedOut, 'TimedOut');
    expect(firedAt - aheadDeadline, 'the original deadline, not 14 s after the restart').to.be.within(
      0,
      1000,
    );
  });

  it('ends a request whose phases each stay under their limits but together exceed the global timeout', async function () {
    orchestrator = await startOrchestrator(kc, [ns]);
    await create('slow-overall', { timeouts: { global: '3s', processing: '10s', analyzing: '10s' } });
    await waitPhase('slow-overall', 'Processing');
    await elapse(1500);
    await k.patchStatus('RemediationProcessing', ns, 'slow-overall-processing', {
      phase: 'Completed',
      enrichedData: {},
    });
    await waitPhase('slow-overall', 'Analyzing');
    const timedOut = await waitPhase('slow-overall', 'TimedOut');
    expect(statusOf(timedOut)).to.include({ reason: 'GlobalTimeout', timeoutPhase: 'Analyzing' });
    expect(enteredAt(timedOut, 'TimedOut') - Date.parse(statusOf(timedOut).startTime!)).to.be.within(
      3000,
      4000,
    );
    await k.waitUntil('NotificationRequest', ns, byName(notificationName(timedOut, 'escalation')));
  });

  it('re-arms the deadline when spec.timeouts.executing is raised on a running request', async function () {
    orchestrator = await startOrchestrator(kc, [ns]);
    await create('raised', { timeouts: { executing: '3s' } });
    await waitPhase('raised', 'Processing');
    await k.patchStatus('RemediationProcessing', ns, 'raised-processing', {
      phase: 'Completed',
      enrichedData: {},
    });
    await k.waitUntil('AIAnalysis', ns, byName('raised-aianalysis'));
    await k.patchStatus('AIAnalysis', ns, 'raised-aianalysis', {
      phase: 'Ready',
      investigationResult: { recommendations: [{ name: 'a', action: 'x' }] },
    });
    await k.waitUntil('WorkflowExecution', ns, byName('raised-workflow'));
    await k.patchStatus('WorkflowExecution', ns, 'raised-workflow', {
      phase: 'Planned',
      plan: { steps: [{ name: 'a', action: 'x' }] },
    });
    const executing = await waitPhase('raised', 'Executing');
    const current = await k.get('RemediationRequest', ns, 'raised');
    await k.api.replaceNamespacedCustomObject({
      group: KINDS.RemediationRequest.group,
      version: 'v1alpha1',
      plural: 'remediationrequests',
      namespace: ns,
      name: 'raised',
      body: { ...current, spec: { ...current.spec, timeouts: { executing: '60s' } } },
    });
    await k.waitUntil('RemediationRequest', ns, (items) =>
      (byName('raised')(items)?.status as { effectiveTimeouts?: { executing?: string } })?.effectiveTimeouts
        ?.executing === '1m'
        ? true
        : undefined,
    );
    await elapse(enteredAt(executing, 'Executing') + 3000 + 1500 - Date.now());
    expect(
      statusOf(byName('raised')(await k.list('RemediationRequest', ns))).phase,
      'still executing after the old deadline',
    ).to.equal('Executing');
    await k.patchStatus('KubernetesExecution', ns, 'raised-step-a', { phase: 'Completed' });
    await waitPhase('raised', 'Completed');
  });

  it('cancels a request in Analyzing: children flagged, no escalation, no WorkflowExecution ever', async function () {
    orchestrator = await startOrchestrator(kc, [ns]);
    await create('cancel-me');
    await waitPhase('cancel-me', 'Processing');
    await k.patchStatus('RemediationProcessing', ns, 'cancel-me-processing', {
      phase: 'Completed',
      enrichedData: {},
    });
    await waitPhase('cancel-me', 'Analyzing');
    await k.api.patchNamespacedCustomObject(
      {
        group: KINDS.RemediationRequest.group,
        version: 'v1alpha1',
        plural: 'remediationrequests',
        namespace: ns,
        name: 'cancel-me',
        body: { metadata: { annotations: { [CANCEL_ANNOTATION]: 'true' } } },
      },
      (await import('@kubernetes/client-node')).setHeaderOptions(
        'Content-Type',
        'application/merge-patch+json',
      ),
    );
    const cancelled = await waitPhase('cancel-me', 'Cancelled');
    expect(statusOf(cancelled).reason).to.equal('Cancelled');
    const aia = await k.waitUntil('AIAnalysis', ns, (items) => {
      const o = byName('cancel-me-aianalysis')(items);
      return o?.spec?.cancelRequested ? o : undefined;
    });
    expect(aia.spec?.cancelRequested).to.equal(true);
    const rp = await k.get('RemediationProcessing', ns, 'cancel-me-processing');
    expect(rp.spec?.cancelRequested, 'a finished child is left alone').to.equal(undefined);
    // A person asked for it: no escalation. Then the analysis turns Ready: still no workflow.
    await k.patchStatus('AIAnalysis', ns, 'cancel-me-aianalysis', {
      phase: 'Ready',
      investigationResult: { recommendations: [{ name: 'a', action: 'x' }] },
    });
    await waitForEventReasons(kc, ns, 'cancel-me', ['Cancelled']);
    expect(await k.list('WorkflowExecution', ns)).to.have.length(0);
    expect(await k.list('NotificationRequest', ns)).to.have.length(0);
  });

  it('deletes a finished request when its retention expires; owned children go, notifications stay', async function () {
    orchestrator = await startOrchestrator(kc, [ns], (c) => (c.retention.afterCompletionMs = 3000));
    await create('retained');
    await waitPhase('retained', 'Processing');
    await k.patchStatus('RemediationProcessing', ns, 'retained-processing', {
      phase: 'Failed',
      message: 'no context',
    });
    const failed = await waitPhase('retained', 'Failed');
    const expiry = Date.parse((failed.status as { retentionExpiryTime: string }).retentionExpiryTime);
    expect(expiry - Date.parse((failed.status as { completionTime: string }).completionTime)).to.equal(3000);
    await k.waitUntil('NotificationRequest', ns, byName(notificationName(failed, 'escalation')));
    await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => !byName('retained')(items),
      30_000,
      'the request is deleted',
    );
    expect(Date.now(), 'not before its retention expired').to.be.at.least(expiry);
    await k.waitUntil(
      'RemediationProcessing',
      ns,
      (items) => !byName('retained-processing')(items),
      60_000,
      'the garbage collector removes the processing',
    );
    expect((await k.list('NotificationRequest', ns)).map((n) => n.metadata.name)).to.deep.equal([
      notificationName(failed, 'escalation'),
    ]);
  });

  it('deletes a request mid-flight: it disappears, leaves no orphan, no later write, and others keep going', async function () {
    orchestrator = await startOrchestrator(kc, [ns]);
    await create('doomed');
    await create('bystander');
    await waitPhase('doomed', 'Processing');
    await k.patchStatus('RemediationProcessing', ns, 'doomed-processing', {
      phase: 'Completed',
      enrichedData: {},
    });
    await k.waitUntil('AIAnalysis', ns, byName('doomed-aianalysis'));
    await k.patchStatus('AIAnalysis', ns, 'doomed-aianalysis', {
      phase: 'Ready',
      investigationResult: {
        recommendations: [
          { name: 'a', action: 'x' },
          { name: 'b', action: 'y' },
        ],
      },
    });
    await k.waitUntil('WorkflowExecution', ns, byName('doomed-workflow'));
    await k.patchStatus('WorkflowExecution', ns, 'doomed-workflow', {
      phase: 'Planned',
      plan: {
        steps: [
          { name: 'a', action: 'x' },
          { name: 'b', action: 'y', dependsOn: ['a'] },
        ],
      },
    });
    await waitPhase('doomed', 'Executing');
    const doomed = await k.get('RemediationRequest', ns, 'doomed');
    orchestrator.writer.recordIssued = true;
    await k.delete('RemediationRequest', ns, 'doomed');
    await k.waitUntil(
      'RemediationRequest',
      ns,
      (items) => !byName('doomed')(items),
      30_000,
      'the request disappears',
    );
    // The watch may report the deletion before the orchestrator has read the answer to its own patch.
    await eventually(
      () => orchestrator!.supervisor.actorOf(doomed.metadata.uid!) === undefined,
      5000,
      'its actor and timers are gone',
    );
    const goneAt = Date.now();
    for (const kind of [
      'RemediationProcessing',
      'AIAnalysis',
      'WorkflowExecution',
      'KubernetesExecution',
    ] as const) {
      await k.waitUntil(
        kind,
        ns,
        (items) => !items.some((o) => o.metadata.name.startsWith('doomed-')),
        60_000,
        `no orphaned ${kind}`,
      );
    }
    // The step 'a' completing now must not create step 'b' or write anything else for the request.
    await k.patchStatus('RemediationProcessing', ns, 'bystander-processing', {
      phase: 'Completed',
      enrichedData: {},
    });
    await waitPhase('bystander', 'Analyzing');
    const log = orchestrator.writer.issuedLog;
    expect(
      log.filter((w) => w.what.includes(`${ns}/doomed`) && w.verb !== 'get').map((w) => w.what),
      'the finalizer is released',
    ).to.include(`remove finalizer on ${ns}/doomed`);
    expect(
      log.filter((w) => w.at > goneAt && w.what.includes('/doomed')).map((w) => w.what),
      'no write after it is gone',
    ).to.deep.equal([]);
    expect(
      log.some((w) => w.at > goneAt && w.what.includes('/bystander')),
      'the others keep going',
    ).to.equal(true);
  });
});
