import { expect } from 'chai';
import type { AuditWrite } from '../../src/testing/index.js';
import { startChaosHarness, LEASE_NAME, type ChaosHarness } from '../support/chaos-harness.js';
import {
  describeFlushed,
  describeViolations,
  fencingViolations,
  leaderChanges,
  leaseWrites,
  resumeWindow,
  writesInWindows,
} from '../support/fencing.js';
import { inBatches, isFinished } from '../support/load.js';
import { InvariantReport } from '../support/invariant-report.js';
import { checkRemediations, expectedFor, independentRequest } from '../support/remediation-invariants.js';

const LEASE = { durationMs: 6000, renewDeadlineMs: 4000, retryPeriodMs: 500 };
const REPLICAS = ['replica-a', 'replica-b'];
const COUNT = 40;
/** Processing ends at a random moment in this span, so the leader has work queued whenever it is frozen. */
const SPREAD_MS = 20_000;

describe('fencing a leader frozen past its lease', function () {
  this.timeout(300_000);
  let h: ChaosHarness | undefined;

  before(async function () {
    if (process.env.KUBECONFIG_TEST) this.skip(); // needs a control plane of its own, with an audit log
    h = await startChaosHarness({ replicaIds: REPLICAS, lease: LEASE });
  });
  after(async function () {
    this.timeout(60_000);
    if (h) console.log(`      fault timeline:\n${h.timeline.format().replace(/^/gm, '        ')}`);
    await h?.stop();
  });

  it('lets the standby take over and move requests on, and the continued old leader writes nothing', async function () {
    const { k, ns, replicas, timeline } = h!;
    const names = Array.from({ length: COUNT }, (_, i) => `fence-${i}`);
    await inBatches(names, 20, (name) =>
      k.create(
        'RemediationRequest',
        ns,
        independentRequest(name, 'completes', {
          processing: Math.floor(Math.random() * SPREAD_MS),
          analysis: 200,
          workflow: 200,
          execution: 500,
          notification: 100,
        }),
      ),
    );
    for (const id of REPLICAS) replicas.start(id);
    const leader = await h!.untilLeader((x) => x !== undefined, 90_000, 'a replica leads');
    const standby = REPLICAS.find((id) => id !== leader)!;
    await h!.requests.until(
      (items) => items.filter(isFinished).length >= 3,
      120_000,
      'the leader has finished a few requests',
    );

    const frozenAt = Date.now();
    timeline.fault(
      `freeze the leader ${leader} (SIGSTOP), ${h!.requests.list().filter(isFinished).length} of ${COUNT} finished`,
    );
    replicas.pause(leader);
    await h!.untilLeader((x) => x === standby, 60_000, `the standby ${standby} takes the Lease over`);
    await h!.untilProgress(10, COUNT, 90_000, `the standby ${standby} moves requests on`);
    const gone = replicas.exited(leader);
    const resumingAt = Date.now();
    timeline.fault(`continue ${leader} (SIGCONT) after ${resumingAt - frozenAt} ms frozen`);
    replicas.resume(leader);
    const resumedAt = Date.now();
    const flushedOnResume = [resumeWindow(leader, resumingAt, resumedAt)];
    // A fenced replica may stay up as a standby: then watch it for two lease durations.
    const outcome = await Promise.race([
      gone.then((e) => `exited (code ${e.code}, signal ${e.signal})`),
      new Promise<string>((r) => setTimeout(() => r('still running'), 2 * LEASE.durationMs)),
    ]);
    timeline.seen(`${leader} ${outcome} ${Date.now() - resumedAt} ms after SIGCONT`);

    await h!.requests.until(
      (items) => items.filter(isFinished).length === COUNT,
      180_000,
      `all ${COUNT} requests finish`,
      () => h!.outputs(),
    );
    await replicas.stopAll();

    const writes = await h!.plane.auditWrites();
    const lease = { namespace: ns, name: LEASE_NAME };
    const takeover = leaderChanges(writes, lease, REPLICAS).find((c) => c.to === standby && c.at > frozenAt);
    const reacquired =
      leaseWrites(writes, lease, [leader]).find((w) => w.receivedAt > resumedAt)?.receivedAt ?? Infinity;
    const isLease = (w: AuditWrite) => w.resource === 'leases';
    // Frozen, it sends nothing: what arrives after SIGCONT and before it leads again is stale, but for
    // what its HTTP/2 session had queued before the freeze (test/support/fencing.ts, ResumeWindow).
    const flushed = new Set(writesInWindows(writes, lease, flushedOnResume));
    const stale = writes.filter(
      (w) =>
        w.user === leader &&
        !isLease(w) &&
        !flushed.has(w) &&
        w.receivedAt >= resumingAt &&
        w.receivedAt < reacquired,
    );
    const standbyWrites = writes.filter(
      (w) => w.user === standby && !isLease(w) && w.receivedAt > frozenAt && w.receivedAt < resumingAt,
    );
    const report = new InvariantReport();
    report.expect(
      'the leader was frozen longer than the lease',
      resumingAt - frozenAt > LEASE.durationMs,
      `${resumingAt - frozenAt} ms`,
    );
    report.expect(
      'the standby took the Lease over while the leader was frozen',
      takeover !== undefined && takeover.at < resumingAt,
      JSON.stringify(takeover),
    );
    report.expect(
      'the standby moved requests on while the leader was frozen',
      standbyWrites.length > 0,
      'no write by the standby',
    );
    report.check(
      `the old leader wrote nothing after SIGCONT (but for what it had queued before the freeze)`,
      stale.map(
        (w) =>
          `${w.verb} ${w.resource}${w.subresource ? `/${w.subresource}` : ''} ${w.name} -> ${w.code}, ` +
          `${w.receivedAt - resumedAt} ms after SIGCONT, ${takeover ? w.receivedAt - takeover.at : '?'} ms after the takeover`,
      ),
    );
    report.check(
      'no replica wrote after its renew deadline',
      describeViolations(fencingViolations(writes, lease, REPLICAS, LEASE.renewDeadlineMs, flushedOnResume)),
    );
    console.log(`      ${describeFlushed(writes, lease, flushedOnResume)}`);
    await checkRemediations(k, ns, new Map(names.map((n) => [n, expectedFor('completes')])), report);
    console.log(`      invariants:\n${report.format().replace(/^/gm, '        ')}`);
    expect(report.failures()).to.deep.equal([]);
  });
});
