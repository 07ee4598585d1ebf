import { expect } from 'chai';
import { requestBody } from '../../benchmarks/lib/load.js';
import type { ChildTiming, RequestTiming } from '../../benchmarks/lib/observer.js';
import { stormFigures } from '../../benchmarks/lib/storm.js';
import { stormTable } from '../../benchmarks/lib/summary.js';
import type { BenchmarkResult } from '../../benchmarks/lib/result.js';

const child = (kind: ChildTiming['kind']): ChildTiming => ({ kind, addedAt: 0 });
const request = (
  terminalPhase: string,
  terminalReason: string,
  writes: number,
  kinds: ChildTiming['kind'][] = [],
): RequestTiming => ({
  terminalAt: 1,
  terminalPhase,
  terminalReason,
  writes,
  children: new Map(kinds.map((k, i) => [`c${i}`, child(k)])),
});

describe('the alert storm benchmark', function () {
  it('repeats one problem per fingerprint (its fingerprint and target), with severity warning', function () {
    const td = (i: number) =>
      (requestBody(`bench-${i}`, i, 50) as { spec: { targetingData: Record<string, unknown> } }).spec
        .targetingData;
    expect(td(3).signalFingerprint).to.equal(td(53).signalFingerprint);
    expect(td(3).resource).to.deep.equal(td(53).resource);
    expect(td(3).signalFingerprint).to.not.equal(td(4).signalFingerprint);
    expect(td(3).severity).to.equal('warning');
    const alone = (requestBody('bench-3', 3) as { spec: { targetingData: Record<string, unknown> } }).spec
      .targetingData;
    expect(alone).to.include({ signalFingerprint: 'bench:bench-3', severity: 'critical' });
  });

  it('counts remediations, notifications and the writes of each suppressed request', function () {
    const figures = stormFigures(2, [
      request('Completed', 'Succeeded', 9, ['RemediationProcessing', 'AIAnalysis', 'NotificationRequest']),
      request('Failed', 'StepFailed', 8, ['RemediationProcessing', 'NotificationRequest']),
      request('Skipped', 'Deduplicated', 2, []),
      request('Skipped', 'RecentlyRemediated', 1, []),
      request('Skipped', 'Deduplicated', 3, ['NotificationRequest']),
      { children: new Map() },
    ]);
    expect(figures).to.deep.equal({
      fingerprints: 2,
      remediations: 2,
      notifications: 3,
      suppressed: 3,
      writesPerSuppressed: { mean: 2, max: 3 },
      outcomes: {
        'Completed/Succeeded': 1,
        'Failed/StepFailed': 1,
        'Skipped/Deduplicated': 2,
        'Skipped/RecentlyRemediated': 1,
      },
    });
  });

  it('tables the storm runs against their targets, and nothing without one', function () {
    const run = {
      name: 'storm-10-2fp',
      options: { count: 10 },
      complete: true,
      throughput: { createSeconds: 1.5, drainSeconds: 30 },
      orchestrator: { cpuSeconds: 4, peakRssBytes: 200 * 2 ** 20 },
      storm: stormFigures(2, [request('Skipped', 'Deduplicated', 2)]),
    } as unknown as BenchmarkResult;
    const table = stormTable([run]).split('\n');
    expect(table).to.have.length(3);
    expect(table[2]).to.include(
      '| storm-10-2fp | 10 | 2 | 1.5 | 0 (2) | 0 (<= 3) | 1 | 2 / 2 (<= 3) | 30 | 4 | 200 |',
    );
    expect(stormTable([{ ...run, storm: undefined }])).to.equal('');
  });
});
