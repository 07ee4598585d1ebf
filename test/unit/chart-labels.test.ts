import { expect } from 'chai';
import { wrapAtDashes } from '../../benchmarks/lib/chart.js';

describe('benchmark chart labels', () => {
  it('keeps a short run name on one line', () => {
    expect(wrapAtDashes('burst-100-zero', 20)).to.deep.equal(['burst-100-zero']);
  });

  it('breaks a long run name after dashes so that no line is wider than asked', () => {
    const lines = wrapAtDashes('burst-10000-zero-max-old-space-size-384-max-semi-space-size-16', 20);
    expect(lines.join('')).to.equal('burst-10000-zero-max-old-space-size-384-max-semi-space-size-16');
    expect(lines.length).to.be.greaterThan(1);
    for (const line of lines) expect(line.length).to.be.at.most(20);
  });

  it('keeps a part longer than the width whole rather than cutting a word', () => {
    expect(wrapAtDashes('a-verylongpartindeed-b', 5)).to.deep.equal(['a-', 'verylongpartindeed-', 'b']);
  });
});
