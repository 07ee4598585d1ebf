// The storm-protection rules (src/actors/routing.ts) over the request index (src/cluster/request-index.ts):
// pure, from objects as the informer would store them.
import { expect } from 'chai';
import { FINALIZER, type RemediationRequest } from '../../src/api/index.js';
import { route, type RoutingSettings, type Verdict } from '../../src/actors/routing.js';
import { RequestIndex } from '../../src/cluster/request-index.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const MINUTE = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

const ON: RoutingSettings = {
  deduplicate: true,
  serializeTargets: true,
  consecutiveFailures: 3,
  failureCooldownMs: 60 * MINUTE,
  recentlyRemediatedMs: 5 * MINUTE,
  maxExecuting: 2,
  stormThreshold: 10,
  maxBlockedMs: 24 * 60 * MINUTE,
};

interface Spec {
  fp?: string;
  ns?: string;
  at?: number;
  phase?: string;
  severity?: string;
  target?: string;
  completed?: number;
  blockedReason?: string;
  blockedAt?: number;
  duplicateOf?: string;
  success?: boolean;
  finalizer?: boolean;
}

function rr(name: string, s: Spec = {}): RemediationRequest {
  const status: Record<string, unknown> = {};
  if (s.phase) status.phase = s.phase;
  if (s.completed !== undefined) status.completionTime = iso(s.completed);
  if (s.success !== undefined) status.success = s.success;
  if (s.blockedReason) {
    status.blockedReason = s.blockedReason;
    status.phaseStartTime = iso(s.blockedAt ?? s.at ?? T0);
  }
  if (s.duplicateOf) status.duplicateOf = { name: s.duplicateOf, uid: `uid-${s.duplicateOf}` };
  return {
    apiVersion: 'remediation.kubernaut.ai/v1alpha1',
    kind: 'RemediationRequest',
    metadata: {
      name,
      namespace: s.ns ?? 'ns',
      uid: `uid-${name}`,
      resourceVersion: '1',
      creationTimestamp: iso(s.at ?? T0) as unknown as Date,
      finalizers: s.finalizer ? [FINALIZER] : undefined,
    },
    spec: {
      targetingData: {
        signalFingerprint: s.fp ?? 'fp-a',
        alertName: 'HighMemory',
        environment: 'production',
        severity: s.severity ?? 'warning',
        resource: { apiVersion: 'apps/v1', kind: 'Deployment', name: s.target ?? 'api', namespace: 'ns' },
      },
    },
    status: status,
  };
}

function world(...requests: RemediationRequest[]) {
  const woken: string[] = [];
  const index = new RequestIndex({ wake: (uids) => woken.push(...uids) });
  for (const r of requests) index.onRequest('added', r);
  const verdict = (name: string, now = T0, settings: RoutingSettings = ON): Verdict | undefined =>
    route(index.byUid(`uid-${name}`)!, index, settings, now);
  const update = (r: RemediationRequest): void => index.onRequest('modified', r);
  return { index, verdict, update, woken };
}

describe('storm protection rules', function () {
  describe('DuplicateInProgress', function () {
    it('holds a request behind an earlier one of its namespace and fingerprint, and says which', function () {
      const w = world(rr('a', { at: T0 }), rr('b', { at: T0 + 1000 }));
      expect(w.verdict('a')).to.deep.equal({ proceed: true });
      expect(w.verdict('b')).to.deep.equal({
        block: 'DuplicateInProgress',
        duplicateOf: { name: 'a', uid: 'uid-a' },
      });
    });

    it('orders requests of the same second by name', function () {
      const w = world(rr('b'), rr('a'));
      expect(w.verdict('a')).to.deep.equal({ proceed: true });
      expect(w.verdict('b')).to.have.property('block', 'DuplicateInProgress');
    });

    it('prefers a request already admitted over an earlier one still Pending', function () {
      const w = world(rr('a'), rr('b', { phase: 'Processing' }));
      expect(w.verdict('a')).to.deep.include({ duplicateOf: { name: 'b', uid: 'uid-b' } });
    });

    it('sees an actor’s decision before the informer does', function () {
      const w = world(rr('b'), rr('a', { at: T0 + 1 }));
      w.index.decided('uid-b', { phase: 'Pending', claimed: true });
      expect(w.verdict('a', T0 + 1000)).to.deep.include({ duplicateOf: { name: 'b', uid: 'uid-b' } });
    });

    it('keeps an actor’s admission until the informer shows the finalizer, not only the Pending status', function () {
      const w = world(rr('b'));
      w.index.decided('uid-b', { phase: 'Pending', claimed: true });
      w.update(rr('b', { phase: 'Pending' }));
      w.index.onRequest('added', rr('a'));
      expect(w.verdict('a')).to.deep.include({ duplicateOf: { name: 'b', uid: 'uid-b' } });
      w.update(rr('b', { phase: 'Pending', finalizer: true }));
      expect(w.verdict('a')).to.deep.include({ duplicateOf: { name: 'b', uid: 'uid-b' } });
    });

    it('holds the fingerprint until the cluster shows its request ended; its duplicates take the outcome at once', function () {
      const w = world(
        rr('a', { phase: 'Executing', finalizer: true }),
        rr('d', { at: T0 + 1000, phase: 'Blocked', blockedReason: 'DuplicateInProgress', duplicateOf: 'a' }),
      );
      w.index.decided('uid-a', { phase: 'Completed', claimed: true, success: true, completedAt: T0 + 5000 });
      expect(w.woken).to.deep.equal(['uid-d']);
      expect(w.verdict('d', T0 + 6000)).to.deep.equal({
        skip: 'Deduplicated',
        duplicateOf: { name: 'a', uid: 'uid-a' },
        success: true,
      });
      // A new request is held behind it, not let through, until the cluster shows it Completed.
      w.index.onRequest('added', rr('b', { at: T0 + 6000 }));
      expect(w.verdict('b', T0 + 6000)).to.deep.equal({
        block: 'DuplicateInProgress',
        duplicateOf: { name: 'a', uid: 'uid-a' },
      });
      w.update(rr('a', { phase: 'Completed', success: true, completed: T0 + 5000, finalizer: true }));
      expect(w.verdict('b', T0 + 7000)).to.deep.include({ skip: 'RecentlyRemediated' });
    });

    it('makes no one wait on a request that ends without having been admitted', function () {
      const w = world(
        rr('o', { phase: 'Completed', success: true, completed: T0, finalizer: true }),
        rr('skipped', { at: T0 + 1000 }),
        rr('folded', {
          at: T0 + 1000,
          phase: 'Blocked',
          blockedReason: 'DuplicateInProgress',
          duplicateOf: 'o',
        }),
      );
      w.index.decided('uid-skipped', {
        phase: 'Skipped',
        claimed: true,
        success: true,
        completedAt: T0 + 1000,
      });
      w.index.decided('uid-folded', {
        phase: 'Skipped',
        claimed: true,
        success: true,
        completedAt: T0 + 1000,
      });
      w.index.onRequest('added', rr('next', { at: T0 + 2000 }));
      expect(w.verdict('next', T0 + 2000)).to.deep.include({ skip: 'RecentlyRemediated' });
    });

    it('moves a duplicate to the request its original was folded into, and wakes it for that', function () {
      const w = world(
        rr('x', { at: T0 + 1000 }),
        rr('d', { at: T0 + 2000, phase: 'Blocked', blockedReason: 'DuplicateInProgress', duplicateOf: 'x' }),
        rr('e'),
      );
      expect(w.verdict('d')).to.deep.include({ duplicateOf: { name: 'x', uid: 'uid-x' } });
      expect(w.verdict('x')).to.deep.include({ duplicateOf: { name: 'e', uid: 'uid-e' } });
      w.update(
        rr('x', { at: T0 + 1000, phase: 'Blocked', blockedReason: 'DuplicateInProgress', duplicateOf: 'e' }),
      );
      expect(w.woken).to.deep.equal(['uid-d']);
      expect(w.verdict('d')).to.deep.equal({
        block: 'DuplicateInProgress',
        duplicateOf: { name: 'e', uid: 'uid-e' },
      });
      // Once the one that ran has ended, the duplicate ends with its outcome and names it.
      w.update(rr('e', { phase: 'Completed', success: true, completed: T0 + 5000 }));
      w.update(
        rr('x', {
          at: T0 + 1000,
          phase: 'Skipped',
          success: true,
          blockedReason: 'DuplicateInProgress',
          duplicateOf: 'e',
        }),
      );
      expect(w.verdict('d', T0 + 6000)).to.deep.equal({
        skip: 'Deduplicated',
        duplicateOf: { name: 'e', uid: 'uid-e' },
        success: true,
      });
    });

    it('does not hold requests of another namespace or fingerprint', function () {
      const w = world(rr('a'), rr('b', { ns: 'other', at: T0 + 1 }), rr('c', { fp: 'fp-b', at: T0 + 1 }));
      expect(w.verdict('b')).to.deep.equal({ proceed: true });
      expect(w.verdict('c')).to.deep.equal({ proceed: true });
    });

    it('ends the duplicate Deduplicated with the original’s success, and wakes it when the original ends', function () {
      const w = world(
        rr('a', { phase: 'Executing' }),
        rr('b', { phase: 'Blocked', blockedReason: 'DuplicateInProgress', duplicateOf: 'a' }),
      );
      expect(w.verdict('b')).to.have.property('block', 'DuplicateInProgress');
      expect(w.index.duplicatesOf('uid-a')).to.equal(1);
      w.update(rr('a', { phase: 'Completed', success: true, completed: T0 + 5000 }));
      expect(w.woken).to.deep.equal(['uid-b']);
      expect(w.verdict('b', T0 + 6000)).to.deep.equal({
        skip: 'Deduplicated',
        duplicateOf: { name: 'a', uid: 'uid-a' },
        success: true,
      });
    });

    it('is off when deduplicate is false', function () {
      const w = world(rr('a'), rr('b', { at: T0 + 1 }));
      expect(w.verdict('b', T0, { ...ON, deduplicate: false })).to.deep.equal({ proceed: true });
    });
  });

  describe('RecentlyRemediated', function () {
    it('skips a request whose fingerprint completed less than the window ago, and not after it', function () {
      const w = world(
        rr('a', { phase: 'Completed', success: true, completed: T0 }),
        rr('b', { at: T0 + 1000 }),
      );
      expect(w.verdict('b', T0 + 4 * MINUTE)).to.deep.equal({
        skip: 'RecentlyRemediated',
        duplicateOf: { name: 'a', uid: 'uid-a' },
        success: true,
      });
      expect(w.verdict('b', T0 + 5 * MINUTE)).to.deep.equal({ proceed: true });
    });

    it('is off at 0', function () {
      const w = world(rr('a', { phase: 'Completed', completed: T0 }), rr('b', { at: T0 + 1 }));
      expect(w.verdict('b', T0 + 1, { ...ON, recentlyRemediatedMs: 0 })).to.deep.equal({ proceed: true });
    });
  });

  describe('ConsecutiveFailures', function () {
    const failures = [
      rr('f1', { phase: 'Failed', completed: T0 - 30 * MINUTE }),
      rr('f2', { phase: 'TimedOut', completed: T0 - 20 * MINUTE }),
      rr('f3', { phase: 'Failed', completed: T0 - 10 * MINUTE }),
    ];

    it('holds the fingerprint until the last failure plus the cooldown, with one escalation', function () {
      const w = world(...failures, rr('n', { at: T0 }));
      expect(w.verdict('n')).to.deep.equal({
        block: 'ConsecutiveFailures',
        until: T0 + 50 * MINUTE,
        escalate: true,
      });
      expect(w.verdict('n', T0 + 50 * MINUTE)).to.deep.equal({ proceed: true });
    });

    it('lets only the first request blocked for the same block escalate', function () {
      const w = world(...failures, rr('n', { at: T0 }), rr('m', { ns: 'other', at: T0 + 1 }));
      w.index.decided('uid-n', {
        phase: 'Blocked',
        claimed: true,
        blockedReason: 'ConsecutiveFailures',
        blockedAt: T0,
        blockedUntil: T0 + 50 * MINUTE,
      });
      expect(w.verdict('m', T0 + 1)).to.deep.include({ block: 'ConsecutiveFailures', escalate: false });
      expect(w.verdict('n', T0 + 1)).to.deep.include({ escalate: true });
    });

    it('does not hold when a success broke the run, nor when the rule is off', function () {
      const broken = world(
        ...failures,
        rr('ok', { phase: 'Completed', completed: T0 - 15 * MINUTE }),
        rr('n', { at: T0 }),
      );
      expect(broken.verdict('n')).to.deep.equal({ proceed: true });
      const off = world(...failures, rr('n', { at: T0 }));
      expect(off.verdict('n', T0, { ...ON, consecutiveFailures: 0 })).to.deep.equal({ proceed: true });
    });
  });

  describe('ResourceBusy', function () {
    it('holds a request before Executing while another of its target executes, then lets the first waiter go', function () {
      const w = world(
        rr('x', { fp: 'fp-x', phase: 'Executing' }),
        rr('y', { fp: 'fp-y', phase: 'WorkflowPlanning', at: T0 + 1 }),
        rr('z', { fp: 'fp-z', phase: 'WorkflowPlanning', at: T0 + 2, target: 'other' }),
      );
      expect(w.verdict('y')).to.deep.equal({ block: 'ResourceBusy' });
      expect(w.verdict('z')).to.deep.equal({ proceed: true });
      w.update(rr('y', { fp: 'fp-y', phase: 'Blocked', blockedReason: 'ResourceBusy', at: T0 + 1 }));
      w.update(rr('x', { fp: 'fp-x', phase: 'Completed', completed: T0 + 5 }));
      expect(w.woken).to.include('uid-y');
      expect(w.verdict('y')).to.deep.equal({ proceed: true });
    });

    it('is off when serializeTargets is false', function () {
      const w = world(
        rr('x', { fp: 'fp-x', phase: 'Executing' }),
        rr('y', { fp: 'fp-y', phase: 'WorkflowPlanning' }),
      );
      expect(w.verdict('y', T0, { ...ON, serializeTargets: false })).to.deep.equal({ proceed: true });
    });
  });

  describe('ExecutionLimit', function () {
    it('holds requests beyond the limit and frees the slots by severity, then age', function () {
      const w = world(
        rr('e1', { fp: '1', target: '1', phase: 'Executing' }),
        rr('e2', { fp: '2', target: '2', phase: 'Executing' }),
        rr('old', { fp: '3', target: '3', phase: 'Blocked', blockedReason: 'ExecutionLimit', at: T0 }),
        rr('crit', {
          fp: '4',
          target: '4',
          phase: 'Blocked',
          blockedReason: 'ExecutionLimit',
          severity: 'critical',
          at: T0 + 1000,
        }),
      );
      expect(w.verdict('old')).to.deep.equal({ block: 'ExecutionLimit' });
      expect(w.verdict('crit')).to.deep.equal({ block: 'ExecutionLimit' });
      w.update(rr('e1', { fp: '1', target: '1', phase: 'Completed', completed: T0 + 2000 }));
      expect(w.woken).to.deep.equal(['uid-crit']);
      expect(w.verdict('crit')).to.deep.equal({ proceed: true });
      expect(w.verdict('old')).to.deep.equal({ block: 'ExecutionLimit' });
    });

    it('is off at 0', function () {
      const w = world(
        rr('e1', { fp: '1', target: '1', phase: 'Executing' }),
        rr('e2', { fp: '2', target: '2', phase: 'Executing' }),
        rr('n', { fp: '3', target: '3', phase: 'WorkflowPlanning' }),
      );
      expect(w.verdict('n')).to.deep.equal({ block: 'ExecutionLimit' });
      expect(w.verdict('n', T0, { ...ON, maxExecuting: 0 })).to.deep.equal({ proceed: true });
    });
  });

  describe('StormProtection', function () {
    // Three fingerprints repeat in the burst: duplicates are another rule.
    const STORM = { ...ON, deduplicate: false };
    const burst = (n: number, from = T0) =>
      Array.from({ length: n }, (_, i) =>
        rr(`s${String(i).padStart(3, '0')}`, { fp: `fp-${i % 3}`, at: from + i }),
      );

    it('holds requests of severity other than critical when more than the threshold arrived in a minute', function () {
      const w = world(...burst(11), rr('crit', { fp: 'c', severity: 'critical', at: T0 + 20 }));
      const v = w.verdict('s010', T0 + 30, STORM);
      expect(v).to.deep.include({ block: 'StormProtection' });
      expect(v).to.have.nested.property('announce.count', 12);
      expect(v).to.have.deep.nested.property('announce.top[0]', { fingerprint: 'fp-0', count: 4 });
      expect(w.verdict('crit', T0 + 30, STORM)).to.deep.equal({ proceed: true });
    });

    it('names one announcer: the first request it held', function () {
      const w = world(...burst(12));
      w.index.decided('uid-s011', {
        phase: 'Blocked',
        claimed: true,
        blockedReason: 'StormProtection',
        blockedAt: T0 + 40,
      });
      expect(w.verdict('s010', T0 + 50, STORM)).to.not.have.property('announce');
      expect(w.verdict('s011', T0 + 50, STORM)).to.have.property('announce');
    });

    it('clears when the rate falls below half the threshold, at a time it can compute', function () {
      const w = world(...burst(12));
      w.index.decided('uid-s011', {
        phase: 'Blocked',
        claimed: true,
        blockedReason: 'StormProtection',
        blockedAt: T0 + 40,
      });
      const v = w.verdict('s011', T0 + 50, STORM) as { recheckAt: number };
      // 12 arrivals at T0..T0+11: fewer than 5 remain once s007 (T0+7) leaves the window.
      expect(v.recheckAt).to.equal(T0 + 7 + MINUTE);
      expect(w.verdict('s011', v.recheckAt - 1, STORM)).to.have.property('block', 'StormProtection');
      expect(w.verdict('s011', v.recheckAt, STORM)).to.deep.equal({ proceed: true });
    });

    it('is off at 0', function () {
      const w = world(...burst(12));
      expect(w.verdict('s011', T0 + 50, { ...STORM, stormThreshold: 0 })).to.deep.equal({ proceed: true });
    });
  });

  it('decides nothing for a request past its gates', function () {
    const w = world(rr('a', { phase: 'Processing' }));
    expect(w.verdict('a')).to.equal(undefined);
  });
});
