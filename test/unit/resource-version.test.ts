import { expect } from 'chai';
import { isNewerResourceVersion as newer } from '../../src/util/resource-version.js';

describe('resourceVersion order: is the incoming version newer than the known one?', function () {
  it('compares decimal integers as numbers, beyond 2^53', function () {
    expect(newer('10', '9')).to.equal(true);
    expect(newer('9', '10')).to.equal(false);
    expect(newer('10', '10')).to.equal(false);
    expect(newer('18446744073709551616', '18446744073709551615')).to.equal(true);
    expect(newer('9007199254740993', '9007199254740992')).to.equal(true);
  });

  it('lets the incoming version win when either is not an integer, unless they are equal', function () {
    expect(newer('abc', '10')).to.equal(true);
    expect(newer('10', 'abc')).to.equal(true);
    expect(newer('abc', 'abd')).to.equal(true);
    expect(newer('abd', 'abc')).to.equal(true);
    expect(newer('abc', 'abc')).to.equal(false);
    expect(newer('1.5', '2')).to.equal(true);
    expect(newer('-1', '2')).to.equal(true);
    expect(newer('0x10', '0x10')).to.equal(false);
  });

  it('treats a missing or empty version as older than any; with both missing, the incoming one wins', function () {
    expect(newer('1', undefined)).to.equal(true);
    expect(newer('abc', '')).to.equal(true);
    expect(newer(undefined, '1')).to.equal(false);
    expect(newer('', 'abc')).to.equal(false);
    expect(newer(undefined, undefined)).to.equal(true);
    expect(newer('', undefined)).to.equal(true);
  });
});
