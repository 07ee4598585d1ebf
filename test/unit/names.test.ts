import { expect } from 'chai';
import { childNames, requestLabelValue } from '../../src/actors/names.js';
import { shorten } from '../../src/util/shorten.js';

const long = (n: number, c = 'a') => c.repeat(n);
const UID = '0a1b2c3d-4e5f-6789-abcd-ef0123456789';

describe('names: deterministic child names', function () {
  it('keeps a name that fits as it is', function () {
    expect(shorten('rr1-processing', 253)).to.equal('rr1-processing');
    expect(shorten(long(253), 253)).to.equal(long(253));
  });

  it('shortens a long name to at most the limit: a prefix, a dash and a 10-character hash', function () {
    const out = shorten(long(300), 253);
    expect(out).to.have.length(253);
    expect(out).to.match(/^a{242}-[0-9a-f]{10}$/);
  });

  it('shortens deterministically, and different names to different results', function () {
    expect(shorten(long(300), 253)).to.equal(shorten(long(300), 253));
    expect(shorten(`${long(300)}x`, 253)).to.not.equal(shorten(`${long(300)}y`, 253));
  });

  it('does not leave a dash or dot before the hash', function () {
    const out = shorten(`${long(241)}.-.${long(20)}`, 253);
    expect(out).to.match(/^a{241}-[0-9a-f]{10}$/);
  });

  it('gives every child of a very long request a distinct name of at most 253 characters', function () {
    const rr = long(250, 'r');
    const all = [
      childNames.processing(rr),
      childNames.analysis(rr),
      childNames.workflow(rr),
      childNames.execution(rr, 'a'),
      childNames.execution(rr, 'b'),
      childNames.notification(rr, 'approval', UID),
      childNames.notification(rr, 'escalation', UID),
      childNames.notification(rr, 'success', UID),
    ];
    for (const name of all) expect(name.length).to.be.at.most(253);
    expect(new Set(all).size).to.equal(all.length);
    expect(childNames.execution(rr, 'a')).to.equal(childNames.execution(rr, 'a'));
  });

  it('names the children of a short request as API.md says', function () {
    expect([
      childNames.processing('rr'),
      childNames.analysis('rr'),
      childNames.workflow('rr'),
      childNames.execution('rr', 'scale'),
      childNames.notification('rr', 'success', UID),
    ]).to.deep.equal([
      'rr-processing',
      'rr-aianalysis',
      'rr-workflow',
      'rr-step-scale',
      'rr-success-0a1b2c3d',
    ]);
  });

  it("gives a request that reuses a deleted one's name notifications of its own", function () {
    const other = 'ffee0011-2233-4455-6677-8899aabbccdd';
    expect(childNames.notification('foo', 'escalation', UID)).to.equal('foo-escalation-0a1b2c3d');
    expect(childNames.notification('foo', 'escalation', other)).to.equal('foo-escalation-ffee0011');
  });

  it('keeps the UID readable at the end of a shortened notification name', function () {
    const name = childNames.notification(long(250, 'r'), 'escalation', UID);
    expect(name).to.have.length(253);
    expect(name).to.match(/^r+-[0-9a-f]{10}-0a1b2c3d$/);
  });

  it('makes label values of at most 63 characters that start and end alphanumeric', function () {
    expect(requestLabelValue('rr1')).to.equal('rr1');
    for (const name of [long(100), `${long(51)}.${long(100, 'b')}`, `${long(63)}-`, `-${long(70)}`]) {
      const value = requestLabelValue(name);
      expect(value.length, name).to.be.at.most(63);
      expect(value, name).to.match(/^[A-Za-z0-9](.*[A-Za-z0-9])?$/);
      expect(requestLabelValue(name)).to.equal(value);
    }
  });

  it('keeps <rr>-step-<step> when the name splits back one way only', function () {
    expect(childNames.execution('rr1', 'restart')).to.equal('rr1-step-restart');
    expect(childNames.execution('rr1', 'scale-up')).to.equal('rr1-step-scale-up');
  });

  it('never gives two requests the same step name, however their names read', function () {
    const a = childNames.execution('a', 'x-step-y');
    const b = childNames.execution('a-step-x', 'y');
    expect(a).to.not.equal(b);
    expect(childNames.execution('a', 'step-x')).to.not.equal(childNames.execution('a-step', 'x'));
    expect(a).to.match(/^a-step-x-step-y-[0-9a-f]{10}$/);
    expect(childNames.execution('a', 'x-step-y')).to.equal(a);
    const pairs: [string, string][] = [];
    for (const rr of ['a', 'a-step', 'a-step-x', 'a-step-step', 'step', 'a-step-x-step'])
      for (const step of ['x', 'step-x', 'x-step-y', 'y', 'step', '-x', 'step-step-y'])
        pairs.push([rr, step]);
    const names = new Map<string, string>();
    for (const [rr, step] of pairs) {
      const name = childNames.execution(rr, step);
      const other = names.get(name);
      expect(other, `${rr} + ${step} and ${other} both give ${name}`).to.equal(undefined);
      names.set(name, `${rr} + ${step}`);
    }
  });
});
