import { expect } from 'chai';
import { startChaosHarness, LEASE_NAME, type ChaosHarness } from '../support/chaos-harness.js';
import {
  describeViolations,
  fencingViolations,
  leaderChanges,
  leaseWrites,
  describeFlushed,
  resumeWindow,
  type ResumeWindow,
} from '../support/fencing.js';
import { InvariantReport } from '../support/invariant-report.js';
import { inBatches, isFinished } from '../support/load.js';
import {
  checkRemediations,
  expectedFor,
  independentRequest,
  type Expected,
  type Outcome,
} from '../support/remediation-invariants.js';

const COUNT = 300;
const REPLICAS = ['replica-a', 'replica-b'];
// Under the soak's load a renewal takes up to a few seconds on 2 cores: the deadline leaves room for it.
const LEASE = { durationMs: 8000, renewDeadlineMs: 6000, retryPeriodMs: 1000 };
/** Processing ends at a random moment in this span, so requests are in flight during every fault. */
const SPREAD_MS = 30_000;
/** Six in ten complete, two fail a step, one fails processing, one is rejected by the analysis. */
const MIX: Outcome[] = [
  'completes',
  'completes',
  'completes',
  'completes',
  'completes',
  'completes',
  'step-fails',
  'step-fails',
  'processing-fails',
  'analysis-rejected',
];
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded generator, so that a failing run can be repeated with CHAOS_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe(`chaos soak: ${COUNT} requests through leader kills, a frozen leader, restarts and cut watches`, function () {
  this.timeout(600_000);
  let h: ChaosHarness | undefined;

  before(async function () {
    if (process.env.KUBECONFIG_TEST) this.skip(); // needs a control plane of its own, with an audit log
    h = await startChaosHarness({
      replicaIds: REPLICAS,
      lease: LEASE,
      args: ['--qps=150', '--burst=150'],
    });
  });
  after(async function () {
    this.timeout(60_000);
    if (h)
      console.log(
        `      fault timeline (CHAOS_SEED=${SEED}):\n${h.timeline.format().replace(/^/gm, '        ')}`,
      );
    await h?.stop();
  });

  it('ends every request once, with its children and notifications, and no replica writes after its renew deadline', async function () {
    const { k, ns, replicas, timeline, plane, proxy } = h!;
    const rand = random(SEED);
    const upTo = (ms: number) => Math.floor(rand() * ms);
    const expected = new Map<string, Expected>();
    const bodies = Array.from({ length: COUNT }, (_, i) => {
      const name = `soak-${i}`;
      const outcome = MIX[Math.floor(rand() * MIX.length)]!;
      expected.set(name, expectedFor(outcome));
      const delays = {
        processing: upTo(SPREAD_MS),
        analysis: upTo(2000),
        workflow: upTo(1000),
        execution: upTo(3000),
        notification: upTo(1000),
      };
      return independentRequest(name, outcome, delays);
    });
    for (const id of REPLICAS) replicas.start(id);
    await inBatches(bodies, 25, (body) => k.create('RemediationRequest', ns, body));
    timeline.seen(`${COUNT} requests created`);
    const finished = () => h!.requests.list().filter(isFinished).length;
    const progress = (what: string) => h!.untilProgress(10, COUNT, 120_000, `requests move on after ${what}`);
    const runningLeader = () =>
      h!.untilLeader((x) => x !== undefined && replicas.isRunning(x), 120_000, 'a running replica leads');
    await runningLeader();
    await h!.untilProgress(COUNT, COUNT, 120_000, 'the leader takes up every request');

    const killLeader = async (n: number) => {
      const leader = await runningLeader();
      timeline.fault(`SIGKILL the leader ${leader} (#${n}), ${finished()}/${COUNT} finished`);
      const killedAt = Date.now();
      await replicas.kill(leader);
      const next = await h!.untilLeader(
        (x) => x !== undefined && x !== leader,
        120_000,
        'the standby takes over',
      );
      timeline.seen(`${next} leads ${Date.now() - killedAt} ms after the kill; restarting ${leader}`);
      replicas.start(leader);
      await progress(`leader kill #${n}`);
    };
    const flushedOnResume: ResumeWindow[] = [];
    const freezeLeader = async () => {
      const leader = await runningLeader();
      const standby = REPLICAS.find((id) => id !== leader)!;
      timeline.fault(`SIGSTOP the leader ${leader} past its lease, ${finished()}/${COUNT} finished`);
      const frozenAt = Date.now();
      replicas.pause(leader);
      await h!.untilLeader((x) => x === standby, 120_000, `${standby} takes over from the frozen ${leader}`);
      await progress('the takeover from the frozen leader');
      const gone = replicas.exited(leader);
      timeline.fault(`SIGCONT ${leader} after ${Date.now() - frozenAt} ms frozen`);
      const resumingAt = Date.now();
      replicas.resume(leader);
      const resumedAt = Date.now();
      flushedOnResume.push(resumeWindow(leader, resumingAt, resumedAt));
      // A fenced replica may stay up as a standby: then watch it for two lease durations.
      const outcome = await Promise.race([
        gone.then((e) => `exited (code ${e.code}, signal ${e.signal})`),
        new Promise<string>((r) => setTimeout(() => r('still running'), 2 * LEASE.durationMs)),
      ]);
      timeline.seen(`${leader} ${outcome} ${Date.now() - resumedAt} ms after SIGCONT`);
      return resumedAt - frozenAt;
    };

    // In the order. The cut comes last: a leader whose connections are cut may stop making
    // any API call (see docs/control-plane.md), and a replica in that state never campaigns again, so
    // a later fault of the other replica would leave nobody to take over.
    await killLeader(1);
    await killLeader(2);
    const frozenMs = await freezeLeader();
    timeline.fault('restart the API server');
    await plane.restartApiServer();
    timeline.seen('the API server is ready again');
    await progress('the API server restart');
    timeline.fault('restart etcd');
    await plane.restartEtcd();
    timeline.seen('etcd and the API server are ready again');
    await progress('the etcd restart');
    timeline.fault(`cut the replicas' connections (watches included): ${proxy.cutAll()} cut`);
    await progress('the cut');

    await h!.requests.until(
      (items) => items.filter(isFinished).length === COUNT,
      240_000,
      `all ${COUNT} requests finish`,
      () => h!.outputs(),
    );
    timeline.seen(`all ${COUNT} requests finished`);
    await replicas.stopAll();

    const writes = await plane.auditWrites();
    const lease = { namespace: ns, name: LEASE_NAME };
    const report = new InvariantReport();
    report.expect(
      'the frozen leader stayed frozen past its lease',
      frozenMs > LEASE.durationMs,
      `${frozenMs} ms`,
    );
    await checkRemediations(k, ns, expected, report);
    report.check(
      'no replica wrote after its renew deadline (last renewal answered + renew deadline)',
      describeViolations(fencingViolations(writes, lease, REPLICAS, LEASE.renewDeadlineMs, flushedOnResume)),
    );
    console.log(`      ${describeFlushed(writes, lease, flushedOnResume)}`);
    const renewals = leaseWrites(writes, lease, REPLICAS);
    report.check(
      'the Lease changed hands only after the previous holder had not renewed for a lease duration',
      leaderChanges(writes, lease, REPLICAS)
        .filter((c) => c.from !== undefined)
        .flatMap((c) => {
          const last = renewals.filter((w) => w.user === c.from && w.completedAt < c.at).at(-1)!;
          const gap = c.at - last.completedAt;
          return gap >= LEASE.durationMs
            ? []
            : [`${c.from} -> ${c.to} ${gap} ms after ${c.from}'s last renewal`];
        }),
    );
    console.log(`      invariants:\n${report.format().replace(/^/gm, '        ')}`);
    expect(report.failures()).to.deep.equal([]);
  });
});
