import { expect } from 'chai';
import { apiFigures } from '../../benchmarks/lib/api-figures.js';
import { latencySamples, sustainedPerSecond, throughputFigures } from '../../benchmarks/lib/figures.js';
import { exitReason } from '../../benchmarks/lib/finish.js';
import type { Sample } from '../../benchmarks/lib/metrics.js';
import type { RequestTiming } from '../../benchmarks/lib/observer.js';

const timing = (createSentAt: number, firstPhaseAt?: number, terminalAt?: number): RequestTiming => ({
  createSentAt,
  ...(firstPhaseAt === undefined ? {} : { firstPhaseAt }),
  ...(terminalAt === undefined ? {} : { terminalAt }),
  children: new Map(),
});

const sample = (name: string, value: number, labels: Record<string, string> = {}): Sample => ({
  name,
  labels,
  value,
});

describe('benchmark figures', function () {
  it('takes pickup and end-to-end from the create sent, skipping what was not seen', function () {
    const s = latencySamples([timing(0, 10, 100), timing(5, 25), { children: new Map() }]);
    expect(s.pickup).to.deep.equal([10, 20]);
    expect(s.endToEnd).to.deep.equal([100]);
  });

  it('measures drain, peak and mean in flight while creating, and the create rate', function () {
    // Creates sent at 0, 100, 200 ms, the last answered at 300; finishes at 250, 400, 1000.
    const timings = [timing(0, 1, 250), timing(100, 101, 400), timing(200, 201, 1000)];
    const t = throughputFigures({
      timings,
      finishTimes: [1000, 250, 400],
      createsDone: 300,
      created: 3,
      finished: 3,
    });
    expect(t).to.deep.equal({
      drainSeconds: 1,
      createSeconds: 0.3,
      achievedCreateRate: 10,
      overallPerSecond: 3,
      sustainedPerSecond: 3,
      peakInFlight: 3,
      // 1 in flight for 100 ms, 2 for 100, 3 for 50 up to the last event before the creates ended
      // (not counting 2 for the 50 ms after it): 450 request-ms over 300 ms.
      meanInFlightWhileCreating: 1.5,
    });
  });

  it('reads the sustained rate between the 10th and 90th percentile of 20 or more finishes', function () {
    const finishes = Array.from({ length: 20 }, (_, i) => i * 100);
    // Ranks 2..17: 15 finishes over 1.5 s.
    expect(sustainedPerSecond(finishes, 1900)).to.equal(10);
    expect(sustainedPerSecond(new Array<number>(20).fill(5), 0)).to.equal(null);
  });

  it('counts API calls per remediation against the target, and their mean latency', function () {
    const calls = (verb: string, kind: string, value: number): Sample =>
      sample('remediation_api_requests_total', value, { verb, kind, code: '201' });
    const before = [calls('create', 'AIAnalysis', 2), sample('remediation_phase_transitions_total', 4)];
    const after = [
      calls('create', 'AIAnalysis', 4),
      calls('patch', 'RemediationRequest', 10),
      calls('create', 'Event', 2),
      calls('list', 'AIAnalysis', 1),
      sample('remediation_phase_transitions_total', 18),
      sample('remediation_status_updates_total', 9, { result: 'success' }),
      sample('remediation_status_updates_total', 1, { result: 'conflict' }),
      sample('remediation_api_request_duration_seconds_count', 10, {
        verb: 'patch',
        kind: 'RemediationRequest',
      }),
      sample('remediation_api_request_duration_seconds_sum', 0.5, {
        verb: 'patch',
        kind: 'RemediationRequest',
      }),
    ];
    const a = apiFigures(before, after, 2, 3);
    expect(a.perRemediation).to.deep.equal({
      'create AIAnalysis': 1,
      'patch RemediationRequest': 5,
      'create Event': 1,
      'list AIAnalysis': 0.5,
    });
    expect(a).to.include({
      writesPerRemediation: 6,
      eventWritesPerRemediation: 1,
      readsPerRemediation: 0.5,
      childCreatesPerRemediation: 1,
      statusWritesPerRemediation: 5,
      phaseTransitionsPerRemediation: 7,
      targetWritesPerRemediation: 14,
    });
    expect(a.meanLatencyMs).to.deep.equal({ 'patch RemediationRequest': 50 });
  });

  it('says why a process died: its fatal error, else its last line', function () {
    expect(exitReason('starting\nFATAL ERROR: heap out of memory\n  at x\n')).to.equal(
      'FATAL ERROR: heap out of memory',
    );
    expect(exitReason('a\nb\n\n')).to.equal('b');
    expect(exitReason('')).to.equal('no output');
  });
});
