import { expect } from 'chai';
import { targetingProblem } from '../../src/actors/validation.js';
import { request } from '../support/machine-harness.js';

type Targeting = ReturnType<typeof request>['spec']['targetingData'];
const withTargeting = (patch: Partial<Targeting> | undefined) => {
  const rr = request();
  return {
    ...rr,
    spec: {
      ...rr.spec,
      targetingData: patch === undefined ? (undefined as never) : { ...rr.spec.targetingData, ...patch },
    },
  };
};

describe('validation: targeting data, defence in depth behind the CRD schema', function () {
  it('accepts the targeting data of a well-formed request, with a payload of exactly 64 KiB', function () {
    expect(targetingProblem(request())).to.equal(undefined);
    expect(
      targetingProblem(
        withTargeting({ signalFingerprint: 'a:b.c_d-1'.padEnd(128, 'x'), payload: 'x'.repeat(65_536) }),
      ),
    ).to.equal(undefined);
  });

  const problems: [string, Partial<Targeting> | undefined, RegExp][] = [
    ['missing targeting data', undefined, /^spec.targetingData is missing\.$/],
    [
      'a fingerprint with spaces',
      { signalFingerprint: 'fp with spaces' },
      /signalFingerprint "fp with spaces" must be 1-128 characters/,
    ],
    ['an empty fingerprint', { signalFingerprint: '' }, /signalFingerprint "" must be/],
    ['a fingerprint of 129 characters', { signalFingerprint: 'f'.repeat(129) }, /must be 1-128 characters/],
    ['no alert name', { alertName: '' }, /alertName is required/],
    ['no environment', { environment: '' }, /environment is required/],
    [
      'a payload over 64 KiB',
      { payload: 'x'.repeat(65_537) },
      /payload is 65537 characters; at most 65536 are allowed/,
    ],
  ];
  for (const [what, patch, message] of problems) {
    it(`rejects ${what}`, function () {
      expect(targetingProblem(withTargeting(patch))).to.match(message);
    });
  }
});
