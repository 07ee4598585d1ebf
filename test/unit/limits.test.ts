// The limits the orchestrator fits its texts to, read back from the CRDs of config/crd/, and the
// fitting itself: lengths as the API server counts them (code points), cut with a visible ellipsis.
import { expect } from 'chai';
import { LIMITS, type Limit } from '../../src/api/index.js';
import { codePoints, fitText, joinFitted } from '../../src/util/fit.js';
import { crdSchema, schemaAt, type Schema } from '../support/crd-schema.js';

/** The limit the schema declares: maxLength of a string, maxItems of a list, maxProperties of a map. */
function declaredLimit(s: Schema | undefined): number | undefined {
  if (s?.type === 'string') return s.maxLength;
  if (s?.type === 'array') return s.maxItems;
  if (s?.type === 'object') return s.maxProperties;
  return undefined;
}

describe('the limits of what the orchestrator writes', function () {
  const limits: [string, Limit][] = Object.entries(LIMITS);

  for (const [name, limit] of limits.filter(([, l]) => l.kind !== undefined)) {
    it(`${name} is the limit the ${limit.kind} CRD declares at ${limit.path}`, function () {
      const declared = declaredLimit(schemaAt(crdSchema(limit.kind!), limit.path));
      expect(declared, `${limit.kind} ${limit.path}`).to.equal(limit.max);
    });
  }
});

describe('fitText', function () {
  it('keeps a text that fits as it is', function () {
    expect(fitText('', 3)).to.equal('');
    expect(fitText('abc', 3)).to.equal('abc');
  });

  it('cuts a longer text to the limit, ending in an ellipsis', function () {
    const out = fitText('a'.repeat(300), 253);
    expect(out).to.equal(`${'a'.repeat(252)}…`);
    expect(codePoints(out)).to.equal(253);
  });

  it('counts code points, as the API server does, and never splits a surrogate pair', function () {
    const emoji = '😀'.repeat(10);
    expect(emoji.length).to.equal(20);
    expect(fitText(emoji, 10), 'ten code points fit ten').to.equal(emoji);
    const cut = fitText(emoji, 5);
    expect(cut).to.equal(`${'😀'.repeat(4)}…`);
    expect(cut, 'no lone surrogate').to.not.match(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('gives nothing for a limit below one', function () {
    expect(fitText('abc', 0)).to.equal('');
  });
});

describe('joinFitted', function () {
  it('joins names that fit', function () {
    expect(joinFitted(['a', 'b', 'c'], 100)).to.equal('a, b, c');
  });

  it('shows as many whole names as fit and counts the rest', function () {
    const names = Array.from({ length: 50 }, (_, i) => `KubernetesExecution/request-step-${i}`);
    const out = joinFitted(names, 200);
    expect(codePoints(out)).to.be.at.most(200);
    expect(out).to.match(/^KubernetesExecution\/request-step-0, .*, \(\+\d+ more\)$/);
    const shown = out.split(', ').length - 1;
    expect(out).to.contain(`(+${50 - shown} more)`);
  });

  it('falls back to a cut text when not even the count fits', function () {
    expect(joinFitted(['abcdef', 'ghijkl'], 5)).to.equal('abcd…');
    expect(joinFitted(['abcdef', 'ghijkl'], 9)).to.equal('(+2 more)');
  });
});
