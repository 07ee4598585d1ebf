import { expect } from 'chai';
import type { Status } from '../../src/actors/status.js';
import { laneOf } from '../../src/cluster/write-lane.js';

const batch = (phase: string, addFinalizer = false) => ({
  addFinalizer,
  status: { status: { phase } as Status },
});

describe("the lane of a request's writes", function () {
  it('puts a request held or ended by storm protection behind every working request', function () {
    expect(laneOf(batch('Blocked', true))).to.equal('suppressed');
    expect(laneOf(batch('Blocked'))).to.equal('suppressed');
    expect(laneOf(batch('Skipped'))).to.equal('suppressed');
  });

  it('puts the first sight of a working request first, and the rest of its writes in order', function () {
    expect(laneOf(batch('Pending', true))).to.equal('urgent');
    expect(laneOf(batch('Processing'))).to.equal('normal');
    expect(laneOf(batch('Failed'))).to.equal('normal');
    expect(laneOf({ addFinalizer: false })).to.equal('normal');
  });
});
