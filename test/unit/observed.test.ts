import { expect } from 'chai';
import {
  addsNothing,
  isNewer,
  mergeObserved,
  withWritten,
  type Observed,
} from '../../src/actors/observed.js';
import { request } from '../support/machine-harness.js';

const v = (rv?: string) => ({ metadata: rv === undefined ? {} : { resourceVersion: rv } });
// Minimal child objects: only what the merge reads (name, resourceVersion, kind, step and type).
const obj = (kind: string, name: string, rv: string, spec: Record<string, unknown> = {}) =>
  ({ kind, metadata: { name, resourceVersion: rv }, spec }) as never;
const ke = (step: string, rv: string) =>
  obj('KubernetesExecution', `rr1-step-${step}`, rv, { step: { name: step } });
const nr = (type: string, rv: string) => obj('NotificationRequest', `rr1-${type}`, rv, { type });
const rrAt = (rv: string) => ({ ...request(), metadata: { name: 'rr1', resourceVersion: rv } });

function observed(parts: Partial<Observed> = {}): Observed {
  return { rr: rrAt('10'), executions: {}, notifications: {}, ...parts };
}
const rvOf = (o: { metadata?: { resourceVersion?: string } } | undefined) => o?.metadata?.resourceVersion;

describe('observed: merging cache snapshots with what the actor wrote', function () {
  describe('isNewer', function () {
    it('compares numeric resourceVersions as integers, beyond 2^53', function () {
      expect(isNewer(v('10'), v('9'))).to.equal(true);
      expect(isNewer(v('9'), v('10'))).to.equal(false);
      expect(isNewer(v('10'), v('10'))).to.equal(false);
      expect(isNewer(v('18446744073709551616'), v('18446744073709551615'))).to.equal(true);
    });

    it('lets the incoming version win when either is not an integer, unless they are equal', function () {
      expect(isNewer(v('abc'), v('10'))).to.equal(true);
      expect(isNewer(v('10'), v('abc'))).to.equal(true);
      expect(isNewer(v('abc'), v('abc'))).to.equal(false);
    });

    it('treats a missing version as older than any; with both missing, the incoming one wins', function () {
      expect(isNewer(v('1'), v())).to.equal(true);
      expect(isNewer(v(), v('1'))).to.equal(false);
      expect(isNewer(undefined, v('1'))).to.equal(false);
      expect(isNewer(v(), v())).to.equal(true);
    });
  });

  describe('mergeObserved', function () {
    it('takes the snapshot as it is when nothing is known yet', function () {
      const cached = observed();
      expect(mergeObserved(undefined, cached, new Set())).to.equal(cached);
    });

    it('keeps the newer version of each object, whichever side it is on', function () {
      const known = observed({
        rr: rrAt('12'),
        processing: obj('RemediationProcessing', 'rr1-processing', '5'),
        analysis: obj('AIAnalysis', 'rr1-aianalysis', '9'),
      });
      const cached = observed({
        rr: rrAt('11'),
        processing: obj('RemediationProcessing', 'rr1-processing', '7'),
        analysis: obj('AIAnalysis', 'rr1-aianalysis', '8'),
      });
      const merged = mergeObserved(known, cached, new Set());
      expect([rvOf(merged.rr), rvOf(merged.processing), rvOf(merged.analysis)]).to.deep.equal([
        '12',
        '7',
        '9',
      ]);
    });

    it('keeps an object the cache does not have yet, unless a delete event named it', function () {
      const known = observed({
        workflow: obj('WorkflowExecution', 'rr1-workflow', '5'),
        executions: { a: ke('a', '6'), b: ke('b', '7') },
        notifications: { approval: nr('approval', '8') },
      });
      const kept = mergeObserved(known, observed(), new Set());
      expect(rvOf(kept.workflow)).to.equal('5');
      expect(Object.keys(kept.executions)).to.deep.equal(['a', 'b']);
      expect(Object.keys(kept.notifications)).to.deep.equal(['approval']);
      const dropped = mergeObserved(
        known,
        observed(),
        new Set(['rr1-workflow', 'rr1-step-b', 'rr1-approval']),
      );
      expect(dropped.workflow).to.equal(undefined);
      expect(Object.keys(dropped.executions)).to.deep.equal(['a']);
      expect(dropped.notifications).to.deep.equal({});
    });

    it('keeps a deleted object that the cache shows again in a newer version (re-created)', function () {
      const known = observed({
        workflow: obj('WorkflowExecution', 'rr1-workflow', '5'),
        executions: { a: ke('a', '6') },
      });
      const cached = observed({
        workflow: obj('WorkflowExecution', 'rr1-workflow', '9'),
        executions: { a: ke('a', '4') },
      });
      const merged = mergeObserved(known, cached, new Set(['rr1-workflow', 'rr1-step-a']));
      expect(rvOf(merged.workflow)).to.equal('9');
      expect(merged.executions).to.deep.equal({});
    });

    it('adds objects that only the cache has', function () {
      const merged = mergeObserved(
        observed(),
        observed({ executions: { a: ke('a', '3') }, notifications: { success: nr('success', '4') } }),
        new Set(),
      );
      expect(rvOf(merged.executions.a)).to.equal('3');
      expect(rvOf(merged.notifications.success)).to.equal('4');
    });
  });

  describe('addsNothing', function () {
    const known = observed({
      processing: obj('RemediationProcessing', 'rr1-processing', '11'),
      executions: { a: ke('a', '14') },
      notifications: { success: nr('success', '15') },
    });

    it('is true for the echo of what the actor has, or an older or smaller view of it', function () {
      expect(addsNothing(known, structuredClone(known))).to.equal(true);
      expect(addsNothing(known, observed({ rr: rrAt('9') }))).to.equal(true);
      expect(
        addsNothing(known, observed({ processing: obj('RemediationProcessing', 'rr1-processing', '3') })),
      ).to.equal(true);
    });

    it('is false as soon as one object is newer or new, of any kind', function () {
      const changed: Partial<Observed>[] = [
        { rr: rrAt('12') },
        { processing: obj('RemediationProcessing', 'rr1-processing', '16') },
        { analysis: obj('AIAnalysis', 'rr1-aianalysis', '1') },
        { workflow: obj('WorkflowExecution', 'rr1-workflow', '1') },
        { executions: { a: ke('a', '14'), b: ke('b', '1') } },
        { executions: { a: ke('a', '17') } },
        { notifications: { success: nr('success', '18') } },
      ];
      for (const parts of changed)
        expect(addsNothing(known, { ...known, ...parts }), JSON.stringify(parts)).to.equal(false);
    });
  });

  describe('withWritten', function () {
    it('adds what a write returned, of every kind, unless the actor already knows a newer version', function () {
      let o = observed();
      for (const written of [
        obj('RemediationProcessing', 'rr1-processing', '11'),
        obj('AIAnalysis', 'rr1-aianalysis', '12'),
        obj('WorkflowExecution', 'rr1-workflow', '13'),
        ke('a', '14'),
        nr('escalation', '15'),
        { ...rrAt('16'), kind: 'RemediationRequest' } as never,
      ]) {
        o = withWritten(o, written);
      }
      expect([
        rvOf(o.processing),
        rvOf(o.analysis),
        rvOf(o.workflow),
        rvOf(o.executions.a),
        rvOf(o.notifications.escalation),
        rvOf(o.rr),
      ]).to.deep.equal(['11', '12', '13', '14', '15', '16']);
      const stale = withWritten(withWritten(o, { ...rrAt('3'), kind: 'RemediationRequest' }), ke('a', '2'));
      expect([rvOf(stale.rr), rvOf(stale.executions.a)]).to.deep.equal(['16', '14']);
    });

    it('ignores an object of a kind it does not know', function () {
      const o = observed();
      expect(withWritten(o, obj('ConfigMap', 'x', '1'))).to.equal(o);
    });
  });
});
