import { expect } from 'chai';
import { formatDuration, parseDuration } from '../../src/util/duration.js';

describe('Go-style durations', function () {
  it('parses every unit and combinations', function () {
    expect(parseDuration('15m')).to.equal(900_000);
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    expect(parseDuration('1.5h')).to.equal(5_400_000);
    expect(parseDuration('250ms')).to.equal(250);
    expect(parseDuration('2s500ms')).to.equal(2500);
    expect(parseDuration('1500us')).to.equal(2);
  });
  it('rejects anything else with the rule and the value', function () {
    for (const bad of ['', '15', '15 minutes', '-1s', '1d', 'h']) {
      expect(() => parseDuration(bad), bad).to.throw(/is not a duration.*such as 90s/);
    }
  });
  it('formats milliseconds back to the shortest spelling', function () {
    expect(formatDuration(5_400_000)).to.equal('1h30m');
    expect(formatDuration(900_000)).to.equal('15m');
    expect(formatDuration(1500)).to.equal('1.5s');
    expect(formatDuration(3_600_000 + 2000)).to.equal('1h2s');
    expect(parseDuration(formatDuration(86_400_000))).to.equal(86_400_000);
  });
});
