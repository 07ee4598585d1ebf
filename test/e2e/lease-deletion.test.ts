import { CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { AuditWrite } from '../../src/testing/index.js';
import { startChaosHarness, LEASE_NAME, type ChaosHarness } from '../support/chaos-harness.js';
import { describeViolations, fencingViolations, leaderChanges } from '../support/fencing.js';
import { InvariantReport } from '../support/invariant-report.js';
import { isFinished } from '../support/load.js';
import { checkRemediations, expectedFor, independentRequest } from '../support/remediation-invariants.js';
import { Watched } from '../support/watch.js';

/** The production defaults: the renew deadline (10 s) is how long a stale leader could go on writing. */
const LEASE = { durationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const REPLICAS = ['replica-a', 'replica-b'];
/** A new request this often, from before the Lease goes until the new leader has moved requests on. */
const PACE_MS = 250;
/** Processing ends at a random moment in this span, so the leader has actors with work when the Lease goes. */
const SPREAD_MS = 8_000;
/** Which replica creates a deleted Lease first is a race between two retry periods; delete again when the leader wins it. */
const MAX_DELETIONS = 12;

const isLease = (w: AuditWrite): boolean => w.group === 'coordination.k8s.io' && w.resource === 'leases';
const staleLine = (w: AuditWrite, from: number): string =>
  `${w.verb} ${w.resource}${w.subresource ? `/${w.subresource}` : ''} ${w.name} -> ${w.code}, ` +
  `${w.receivedAt - from} ms after the new leader's first write`;

describe('a leader whose Lease is deleted and re-created by the standby', function () {
  this.timeout(420_000);
  let h: ChaosHarness | undefined;
  let leases: Watched<V1Lease> | undefined;

  before(async function () {
    if (process.env.KUBECONFIG_TEST) this.skip(); // needs a control plane of its own, with an audit log
    h = await startChaosHarness({ replicaIds: REPLICAS, lease: LEASE });
  });
  after(async function () {
    this.timeout(60_000);
    leases?.stop();
    if (h) console.log(`      fault timeline:\n${h.timeline.format().replace(/^/gm, '        ')}`);
    await h?.stop();
  });

  it('steps down before the new leader writes: no write of the old leader after the first of the new', async function () {
    const { k, ns, replicas, timeline, admin } = h!;
    const coordination = admin.makeApiClient(CoordinationV1Api);
    leases = new Watched<V1Lease>(admin, {
      group: 'coordination.k8s.io',
      version: 'v1',
      plural: 'leases',
      namespace: ns,
    });
    await leases.start();
    const lease = (): V1Lease | undefined => leases!.get(ns, LEASE_NAME);

    const names: string[] = [];
    const create = (name: string) =>
      k.create(
        'RemediationRequest',
        ns,
        independentRequest(name, 'completes', {
          processing: Math.floor(Math.random() * SPREAD_MS),
          analysis: 200,
          workflow: 200,
          execution: 300,
          notification: 100,
        }),
      );
    let producing = true;
    const produce = async (): Promise<void> => {
      while (producing) {
        const name = `handover-${names.length}`;
        names.push(name);
        await create(name);
        await new Promise((r) => setTimeout(r, PACE_MS)); // the pace of the stream, not a wait for a state
      }
    };

    for (const id of REPLICAS) replicas.start(id);
    const leader = await h!.untilLeader((x) => x !== undefined, 90_000, 'a replica leads');
    const standby = REPLICAS.find((id) => id !== leader)!;
    const producer = produce();
    await h!.requests.until(
      (items) => items.filter(isFinished).length >= 5,
      120_000,
      'the leader has finished a few requests',
      () => h!.outputs(),
    );

    // Delete the Lease right after a renewal by the leader: then its write gate stays open the longest.
    let deletedAt = 0;
    let deletions = 0;
    let holder: string | undefined;
    const stepDown = replicas.exited(leader).then(() => Date.now());
    const renewTimeOf = (): string | undefined => lease()?.spec?.renewTime?.toString();
    while (holder !== standby) {
      if (++deletions > MAX_DELETIONS)
        throw new Error(`the leader re-created the Lease itself ${MAX_DELETIONS} times in a row`);
      const seen = renewTimeOf();
      const uid = lease()?.metadata?.uid;
      await leases.until(
        () => lease()?.spec?.holderIdentity === leader && renewTimeOf() !== seen,
        30_000,
        `${leader} renews the Lease`,
      );
      deletedAt = Date.now();
      timeline.fault(
        `delete the Lease (attempt ${deletions}), ${h!.requests.list().filter(isFinished).length} of ${names.length} finished`,
      );
      await coordination.deleteNamespacedLease({ name: LEASE_NAME, namespace: ns });
      holder = await leases.until(
        () => (lease()?.metadata?.uid !== uid && lease()?.spec?.holderIdentity) || undefined,
        30_000,
        'a replica creates the Lease again',
        () => h!.outputs(),
      );
      timeline.seen(`the Lease was re-created by ${holder}`);
    }

    // It sees the other holder at its next renewal, one retry period away.
    const steppedDownAt = await Promise.race([
      stepDown,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), LEASE.renewDeadlineMs)),
    ]);
    // The new leader writes once its renew deadline has passed since it created the Lease.
    await h!.untilProgress(20, Infinity, 120_000, `the new leader ${standby} moves requests on`);
    producing = false;
    await producer;
    await h!.requests.until(
      (items) => names.every((n) => items.some((o) => o.metadata.name === n && isFinished(o))),
      240_000,
      `all ${names.length} requests finish`,
      () => h!.outputs(),
    );
    const finalLease = await coordination.readNamespacedLease({ name: LEASE_NAME, namespace: ns });
    await replicas.stopAll();
    const leadership = REPLICAS.flatMap((id) =>
      replicas
        .output(id, 20_000)
        .split('\n')
        .filter((line) => /leader|Lease/.test(line) && /"level":"(warn|error|fatal)"/.test(line))
        .map((line) => `${id}: ${line.slice(0, 400)}`),
    );
    if (leadership.length)
      console.log(`      warnings about leadership:\n${leadership.map((l) => `        ${l}`).join('\n')}`);

    const writes = await h!.plane.auditWrites();
    const ref = { namespace: ns, name: LEASE_NAME };
    const created = writes
      .filter((w) => w.user === standby && isLease(w) && w.verb === 'create' && w.code === 201)
      .find((w) => w.receivedAt >= deletedAt);
    const ours = writes.filter((w) => REPLICAS.includes(w.user) && !isLease(w));
    const firstNew = ours
      .filter((w) => w.user === standby && created && w.receivedAt >= created.receivedAt)
      .sort((a, b) => a.receivedAt - b.receivedAt)[0];
    const handoverAt = firstNew?.receivedAt ?? Infinity;
    const stale = ours.filter((w) => w.user === leader && w.receivedAt >= handoverAt);
    const lastOld = ours
      .filter((w) => w.user === leader && w.receivedAt < handoverAt)
      .sort((a, b) => a.completedAt - b.completedAt)
      .at(-1);

    const spans: [string, number, number][] = [
      ['before the deletion', -Infinity, deletedAt],
      ['deletion .. standby creates the Lease', deletedAt, created?.receivedAt ?? Infinity],
      ["standby's create .. its first write", created?.receivedAt ?? Infinity, handoverAt],
      ["after the new leader's first write", handoverAt, Infinity],
    ];
    const counts = REPLICAS.map(
      (id) =>
        `${id}${id === leader ? ' (old leader)' : ' (new leader)'}: ` +
        spans
          .map(
            ([what, from, to]) =>
              `${what} ${ours.filter((w) => w.user === id && w.receivedAt >= from && w.receivedAt < to).length}`,
          )
          .join(', '),
    );
    const changes = leaderChanges(writes, ref, REPLICAS).filter((c) => c.at >= (created?.completedAt ?? 0));
    console.log(
      [
        `      writes to our kinds and Events, by user (Lease calls excluded; ${deletions} deletion(s) of the Lease):`,
        ...counts.map((c) => `        ${c}`),
        `        the standby created the Lease ${created ? created.receivedAt - deletedAt : '?'} ms after the deletion;` +
          ` its first write came ${created ? handoverAt - created.receivedAt : '?'} ms later`,
        `        the old leader exited ${steppedDownAt && created ? `${steppedDownAt - created.receivedAt} ms` : '(not seen)'} after the standby created the Lease;` +
          ` its last write was answered ${lastOld ? `${handoverAt - lastOld.completedAt} ms` : '(none)'} before the new leader's first write`,
      ].join('\n'),
    );

    const report = new InvariantReport();
    report.expect('the standby created the deleted Lease', created !== undefined, 'no create by the standby');
    report.expect(
      'the standby, as the new leader, wrote',
      firstNew !== undefined,
      'no write by the standby after its create',
    );
    report.expect(
      'the old leader stepped down (exited) once it saw the other holder',
      steppedDownAt !== undefined,
      `${leader} still running ${LEASE.renewDeadlineMs} ms after the standby created the Lease`,
    );
    report.check(
      "the old leader wrote nothing after the new leader's first write",
      stale.map((w) => staleLine(w, handoverAt)),
    );
    report.check(
      'no replica wrote after its renew deadline',
      describeViolations(fencingViolations(writes, ref, REPLICAS, LEASE.renewDeadlineMs)),
    );
    report.check('after the hand-over only the new leader held the Lease', [
      ...changes.filter((c) => c.to !== standby).map((c) => `${c.from} -> ${c.to} at ${c.at}`),
      ...(finalLease.spec?.holderIdentity === standby
        ? []
        : [`the Lease ends held by ${finalLease.spec?.holderIdentity}`]),
    ]);
    await checkRemediations(k, ns, new Map(names.map((n) => [n, expectedFor('completes')])), report);
    console.log(`      invariants:\n${report.format().replace(/^/gm, '        ')}`);
    expect(report.failures()).to.deep.equal([]);
  });
});
