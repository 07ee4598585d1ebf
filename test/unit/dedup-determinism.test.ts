// Property: deduplication decides from the cluster, not from the replica's history. Over every
// order in which a set of requests reaches the cache, every order in which writes land and actors
// look again, and crashes of the replica: never two requests of one fingerprint work at once, one
// works per fingerprint, every duplicate names the request that worked and ends with its outcome,
// and requests the cache holds together before any is admitted run the same set whatever the order.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  DEDUPLICATE_ONLY,
  DedupModel,
  earliestFirst,
  keyOf,
  type ModelRequest,
} from '../support/dedup-model.js';

const FAILING = 'f3';
const succeeds = (fingerprint: string): boolean => fingerprint !== FAILING;

const requests: fc.Arbitrary<ModelRequest[]> = fc
  .uniqueArray(
    fc.record({
      name: fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), minLength: 1, maxLength: 3 }),
      namespace: fc.constantFrom('x', 'y'),
      fingerprint: fc.constantFrom('f1', 'f2', FAILING),
      second: fc.integer({ min: 0, max: 2 }),
    }),
    { minLength: 1, maxLength: 14, size: 'max', selector: (r) => `${r.namespace}/${r.name}` },
  )
  .map((rs) => rs);
/** An arrival order of `rs`: a permutation drawn by fast-check, so that it shrinks. */
const arrivals = (rs: ModelRequest[]) =>
  fc.shuffledSubarray(rs, { minLength: rs.length, maxLength: rs.length });
const choices = fc.array(fc.nat(1_000), { minLength: 50, maxLength: 600, size: 'max' });

/** The earliest request (creation, name) of each namespace and fingerprint. */
function earliestOfEachKey(rs: readonly ModelRequest[]): string[] {
  const first = new Map<string, ModelRequest>();
  for (const r of [...rs].sort(earliestFirst)) if (!first.has(keyOf(r))) first.set(keyOf(r), r);
  return [...first.values()].map((r) => `${r.namespace}/${r.name}`).sort();
}

const names = (m: DedupModel, uids: Iterable<string>): string[] =>
  [...uids].map((u) => `${m.requestOf(u).namespace}/${m.requestOf(u).name}`).sort();

/**
 * What every run must show at its end, whatever the order; and one remediation per fingerprint
 * (`onePer` 'key'), or per fingerprint whose remediation succeeds ('succeeding': a request whose
 * every write a crash lost is new to the cluster, and runs again if its fingerprint failed).
 */
function expectSettled(m: DedupModel, onePer: 'key' | 'succeeding' | 'none'): void {
  expect(m.violations).to.deep.equal([]);
  const ran = new Set(m.ran);
  for (const [uid, rr] of m.server) {
    const s = rr.status ?? {};
    const r = m.requestOf(uid);
    const who = `${r.namespace}/${r.name}`;
    expect(['Completed', 'Failed', 'Skipped'], `${who} ends`).to.include(s.phase);
    if (s.phase !== 'Skipped') continue;
    expect(['Deduplicated', 'RecentlyRemediated'], who).to.include(s.reason);
    expect(ran.has(s.duplicateOf?.uid ?? ''), `${who} names ${s.duplicateOf?.name}, which ran`).to.equal(
      true,
    );
    expect(s.success, `${who}'s outcome`).to.equal(succeeds(r.fingerprint));
  }
  if (onePer === 'none') return;
  const perKey = new Map<string, number>();
  for (const uid of m.ran) {
    const r = m.requestOf(uid);
    if (onePer === 'key' || succeeds(r.fingerprint)) perKey.set(keyOf(r), (perKey.get(keyOf(r)) ?? 0) + 1);
  }
  for (const [key, n] of perKey) expect(n, `remediations of ${key}`).to.equal(1);
}

describe('deduplication is deterministic', function () {
  this.timeout(60_000);

  it('runs the earliest of each fingerprint when the cache holds them all, whatever the order', function () {
    fc.assert(
      fc.property(
        requests.chain((rs) => fc.tuple(fc.constant(rs), arrivals(rs), choices, arrivals(rs), choices)),
        ([rs, order1, choices1, order2, choices2]) => {
          const runs = [
            [order1, choices1],
            [order2, choices2],
          ].map(([order, c]) => {
            const m = new DedupModel(order as ModelRequest[], { succeeds, listedAtStart: true });
            m.run(c as number[]);
            expectSettled(m, 'key');
            return names(m, m.ran);
          });
          expect(runs[0]).to.deep.equal(earliestOfEachKey(rs));
          expect(runs[1]).to.deep.equal(runs[0]);
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 200) },
    );
  });

  it('runs one request per fingerprint as they arrive, the earliest the cache held when it was admitted', function () {
    fc.assert(
      fc.property(
        requests.chain((rs) => fc.tuple(arrivals(rs), choices)),
        ([order, c]) => {
          const m = new DedupModel(order, { succeeds, endAfterArrivals: true });
          m.run(c);
          expectSettled(m, 'key');
          for (const uid of m.ran) {
            const held = m.arrivedWhenAdmitted.get(uid)!.map((u) => m.requestOf(u));
            const earliest = held.sort(earliestFirst)[0]!;
            expect(`${earliest.namespace}/${earliest.name}`).to.equal(names(m, [uid])[0]);
          }
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 200) },
    );
  });

  it('remediates a fingerprint once across crashes of the replica, with RecentlyRemediated', function () {
    fc.assert(
      fc.property(
        requests.chain((rs) => fc.tuple(arrivals(rs), choices, fc.integer({ min: 1, max: 3 }))),
        ([order, c, crashes]) => {
          const settings = { ...DEDUPLICATE_ONLY, recentlyRemediatedMs: 60_000 };
          const m = new DedupModel(order, { succeeds, endAfterArrivals: true, crashes, settings });
          m.run(c);
          expectSettled(m, 'succeeding');
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 200) },
    );
  });

  it('never lets two requests of one fingerprint work at once, whenever remediations end', function () {
    fc.assert(
      fc.property(
        requests.chain((rs) => fc.tuple(arrivals(rs), choices, fc.integer({ min: 0, max: 2 }))),
        ([order, c, crashes]) => {
          const m = new DedupModel(order, { succeeds, crashes });
          m.run(c);
          expectSettled(m, 'none');
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 200) },
    );
  });
});

describe('deduplication after a crash', function () {
  it('moves a duplicate recorded behind an unadmitted request to the earlier request admitted instead', function () {
    const at = (name: string, second: number): ModelRequest => ({
      name,
      namespace: 'x',
      fingerprint: 'f1',
      second,
    });
    // x is admitted first and d is held behind it; e, created earlier, arrives and is held behind x
    // too. Only d's write lands before the replica dies: after the restart the cluster shows x and e
    // unadmitted, so e (the earliest) runs, x is held behind e, and d must follow x there.
    const m = new DedupModel([at('x', 1), at('d', 2), at('e', 0)], { succeeds, endAfterArrivals: true });
    m.arriveNext();
    m.arriveNext();
    m.arriveNext();
    m.landWrite('d');
    m.crashNow();
    m.run([]);
    expectSettled(m, 'key');
    expect(names(m, m.ran)).to.deep.equal(['x/e']);
    const d = [...m.server.values()].find((o) => o.metadata?.name === 'd')!;
    expect(d.status?.duplicateOf?.name).to.equal('e');
  });
});
