// The sync region: writes as data, coalesced per transition, retried with backoff after failures.
import { expect } from 'chai';
import { MemoryCluster } from '../support/memory-cluster.js';
import { progressDueAt } from '../../src/actors/effects.js';
import { harness, planned, request, testBackoff, testSettings } from '../support/machine-harness.js';

/** A cluster whose next `failures` batches are rejected, as during an API server outage. */
function failing(failures: number): MemoryCluster {
  const cluster = new MemoryCluster(request());
  cluster.failNext = failures;
  return cluster;
}

describe('the remediation machine: effects', function () {
  it('keeps the status it wrote as the object the API server answered with when they are the same', async function () {
    const h = harness();
    await h.settle();
    const { lastWritten, observed } = h.context();
    expect(h.cluster.writes).to.include('status Processing');
    expect(lastWritten?.status, 'one copy of the written status, not two').to.equal(observed.rr.status);
    expect(lastWritten?.resourceVersion).to.equal(observed.rr.metadata?.resourceVersion);
  });

  it('keeps its own copy of the status it wrote when the API server answered with another one', async function () {
    const cluster = new MemoryCluster(request());
    const apply = cluster.apply;
    cluster.apply = async (batch) => {
      const result = await apply(batch);
      if (batch.status)
        cluster.rr = { ...cluster.rr, status: { ...cluster.rr.status, message: 'changed by the server' } };
      return {
        ...result,
        objects: result.objects.map((o) => (o.kind === 'RemediationRequest' ? cluster.rr : o)),
      };
    };
    const h = harness(cluster);
    await h.settle();
    const { lastWritten, observed } = h.context();
    expect(observed.rr.status?.message).to.equal('changed by the server');
    expect(lastWritten?.status).to.not.equal(observed.rr.status);
    expect(lastWritten?.status.message).to.not.equal('changed by the server');
  });

  it('starts every request with one shared empty list of absent and abandoned children, kept while nothing is added', async function () {
    const a = harness();
    const b = harness(request('rr2'));
    await a.settle();
    await b.settle();
    await a.observe();
    expect(a.context().confirmedAbsent).to.deep.equal([]);
    expect(a.context().confirmedAbsent).to.equal(b.context().confirmedAbsent);
    expect(a.context().abandoned).to.equal(b.context().abandoned);
  });

  it('backs off after a rejected write, then retries and succeeds once the clock advances', async function () {
    const h = harness(failing(1));
    await h.settle();
    expect(h.region('sync')).to.equal('backoff');
    expect(h.context()).to.include({ attempts: 1 });
    expect(h.context().lastError).to.contain('simulated API outage');
    expect(h.cluster.writes).to.deep.equal([]);
    await h.advance(testBackoff.initialMs - 1);
    expect(h.region('sync')).to.equal('backoff');
    await h.advance(1);
    expect(h.region('sync')).to.equal('idle');
    expect(h.context()).to.include({ attempts: 0, lastError: undefined });
    expect(h.status().phase).to.equal('Processing');
    expect(h.cluster.writes.slice(0, 2)).to.deep.equal(['status Pending', 'addFinalizer']);
  });

  it('doubles the backoff after each consecutive failure and resends the same batch', async function () {
    const h = harness(failing(3));
    await h.settle();
    const first = testBackoff.initialMs;
    for (const [delay, attempts] of [
      [first, 1],
      [2 * first, 2],
      [4 * first, 3],
    ] as const) {
      expect(h.region('sync')).to.equal('backoff');
      await h.advance(delay - 1);
      expect(h.cluster.batches).to.have.length(attempts);
      await h.advance(1);
    }
    expect(h.cluster.batches.slice(0, 4).every((b) => b.addFinalizer === true)).to.equal(true);
    expect(h.status().phase).to.equal('Processing');
  });

  it('fails the request with the reason of a terminal effect error (ChildConflict) and does not retry the create', async function () {
    const cluster = new MemoryCluster(request());
    const foreign = {
      apiVersion: 'remediationprocessing.kubernaut.ai/v1alpha1',
      kind: 'RemediationProcessing',
      metadata: { name: 'rr1-processing', namespace: 'ns', ownerReferences: [{ uid: 'someone-else' }] },
      spec: {},
    };
    cluster.put('RemediationProcessing', foreign);
    cluster.hidden.add('rr1-processing');
    const h = harness(cluster);
    await h.settle();
    expect(h.status()).to.include({ phase: 'Failed', reason: 'ChildConflict' });
    expect(h.status().message).to.contain('belongs to someone-else');
    expect(h.context().abandoned).to.deep.equal(['rr1-processing']);
    expect(h.notificationTypes()).to.deep.equal(['escalation']);
    await h.observe();
    expect(
      h.cluster.writes.filter((w) => w === 'create RemediationProcessing rr1-processing'),
    ).to.have.length(1);
  });

  it('writes one status per phase and one per step created for a 3-step run whose steps finish within the progress interval, children before the status that records them', async function () {
    const h = harness();
    await h.reach('Executing', [
      { name: 'a' },
      { name: 'b', dependsOn: ['a'] },
      { name: 'c', dependsOn: ['a'] },
    ]);
    await h.childStatus('rr1-step-a', { phase: 'Completed' });
    await h.childStatus('rr1-step-b', { phase: 'Completed' });
    await h.childStatus('rr1-step-c', { phase: 'Completed' });
    expect(h.cluster.writes).to.deep.equal([
      'status Pending',
      'addFinalizer',
      'create RemediationProcessing rr1-processing',
      'status Processing',
      'create AIAnalysis rr1-aianalysis',
      'status Analyzing',
      'create WorkflowExecution rr1-workflow',
      'status WorkflowPlanning',
      'create KubernetesExecution rr1-step-a',
      'status Executing',
      'create KubernetesExecution rr1-step-b',
      'create KubernetesExecution rr1-step-c',
      'status Executing',
      'create NotificationRequest rr1-success-rr-uid',
      'status Completed',
    ]);
    expect(h.cluster.events.map((e) => e.reason)).to.deep.equal([
      'PhasePending',
      'PhaseInitializing',
      'PhaseProcessing',
      'PhaseAnalyzing',
      'PhaseWorkflowPlanning',
      'PhaseExecuting',
      'Succeeded',
    ]);
  });

  it('writes step progress alone once the progress interval has passed since the last status write, not before', async function () {
    const h = harness();
    await h.reach('Executing', [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const writes = h.cluster.writes.length;
    await h.childStatus('rr1-step-a', { phase: 'Completed' });
    expect(h.cluster.writes.slice(writes), 'progress alone waits').to.deep.equal([]);
    expect(h.status().stepsCompleted).to.equal(0);
    await h.advance(testSettings.progressIntervalMs - 1);
    expect(h.cluster.writes.slice(writes)).to.have.length(0);
    await h.advance(1);
    expect(h.cluster.writes.slice(writes)).to.deep.equal(['status Executing']);
    expect(h.status()).to.include({ stepsCompleted: 1, overallProgress: 65 });
    expect(h.status().kubernetesExecutionRefs?.map((r) => `${r.step}:${r.phase}`)).to.deep.equal([
      'a:Completed',
      'b:Pending',
      'c:Pending',
    ]);
  });

  it('records a step it created at once, not after the progress interval', async function () {
    const h = harness();
    await h.reach('Executing', [{ name: 'a' }, { name: 'b', dependsOn: ['a'] }]);
    const writes = h.cluster.writes.length;
    await h.childStatus('rr1-step-a', { phase: 'Completed' });
    expect(h.cluster.writes.slice(writes)).to.deep.equal([
      'create KubernetesExecution rr1-step-b',
      'status Executing',
    ]);
    expect(h.status().kubernetesExecutionRefs?.map((r) => `${r.step}:${r.phase}`)).to.deep.equal([
      'a:Completed',
      'b:Pending',
    ]);
  });

  it('never creates a step again whose execution was deleted before status recorded it', async function () {
    const h = harness();
    await h.reach('WorkflowPlanning');
    const apply = h.cluster.apply;
    h.cluster.apply = async (batch) => {
      const result = await apply(batch);
      // The status write that would record the step fails until the test says otherwise.
      if (batch.creates.some((c) => c.kind === 'KubernetesExecution')) h.cluster.failNext = 1_000;
      return result;
    };
    await h.childStatus('rr1-workflow', planned([{ name: 'a' }]));
    expect(h.cluster.names('KubernetesExecution')).to.deep.equal(['rr1-step-a']);
    expect(h.status().kubernetesExecutionRefs).to.equal(undefined);
    h.cluster.deleteChild('rr1-step-a');
    h.cluster.failNext = 0;
    await h.observe(['rr1-step-a']);
    await h.advance(60_000);
    expect(h.cluster.writes.filter((w) => w === 'create KubernetesExecution rr1-step-a')).to.have.length(1);
    expect(h.status()).to.include({ phase: 'Failed', reason: 'ChildDeleted' });
  });

  it('writes a phase change at once, even within the progress interval', async function () {
    const h = harness();
    await h.reach('Executing', [{ name: 'a' }, { name: 'b', dependsOn: ['a'] }]);
    await h.childStatus('rr1-step-a', { phase: 'Completed' });
    await h.childStatus('rr1-step-b', { phase: 'Failed', message: 'rollout stuck' });
    expect(h.status()).to.include({
      phase: 'Failed',
      reason: 'StepFailed',
      stepsCompleted: 1,
      stepsFailed: 1,
    });
  });

  it('arms the actor for the deferred progress write, which a restarted actor makes at once', async function () {
    const h = harness();
    await h.reach('Executing', [{ name: 'a' }, { name: 'b', dependsOn: ['a'] }]);
    await h.childStatus('rr1-step-a', { phase: 'Completed' });
    expect(progressDueAt(h.context())).to.equal(h.clock.now() + testSettings.progressIntervalMs);
    const restarted = harness(h.cluster.clone(), testSettings, h.clock.now());
    await restarted.settle();
    expect(restarted.status()).to.include({ stepsCompleted: 1 });
  });

  it('writes nothing when an observation changes nothing, nor for a step that only started running', async function () {
    const h = harness();
    await h.reach('Executing');
    const writes = h.cluster.writes.length;
    for (let i = 0; i < 5; i++) await h.observe();
    await h.childStatus('rr1-step-a', { phase: 'Running' });
    const afterRunning = h.cluster.writes.length;
    expect(afterRunning, 'Running rides along with the next write that matters').to.equal(writes);
    await h.childStatus('rr1-step-a', { message: 'still running' });
    await h.advance(1_000);
    expect(h.cluster.writes).to.have.length(afterRunning);
  });

  it('ignores a cached request older than what its own write returned, writing nothing', async function () {
    const h = harness();
    await h.reach('Processing');
    const writes = h.cluster.writes.length;
    const stale = h.cluster.snapshot();
    const rv = stale.rr.metadata?.resourceVersion;
    h.actor.send({
      type: 'observed',
      observed: {
        ...stale,
        rr: {
          ...stale.rr,
          metadata: { ...stale.rr.metadata, resourceVersion: String(Number(rv) - 1) },
          status: {},
        },
      },
      deleted: [],
      now: h.clock.now(),
    });
    await h.settle();
    expect(h.cluster.writes).to.have.length(writes);
  });
});
