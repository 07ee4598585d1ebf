import { expect } from 'chai';
import { causes, handoffs, type ChildTiming, type RequestTiming } from '../../benchmarks/lib/observer.js';

const child = (
  kind: ChildTiming['kind'],
  addedAt: number,
  doneAt: number | undefined,
  follows: ChildTiming['follows'],
): ChildTiming => ({
  kind,
  addedAt,
  ...(doneAt === undefined ? {} : { doneAt }),
  ...(follows === undefined ? {} : { follows }),
});

function request(children: Record<string, ChildTiming>): RequestTiming {
  return { children: new Map(Object.entries(children)) };
}

describe('benchmark hand-offs', function () {
  it('names the causes of each child: the previous phase, a step its dependencies, a success every step', function () {
    expect(causes('RemediationProcessing', 'r', {})).to.equal(undefined);
    expect(causes('AIAnalysis', 'r', {})).to.deep.equal(['r-processing']);
    expect(causes('WorkflowExecution', 'r', {})).to.deep.equal(['r-aianalysis']);
    expect(causes('KubernetesExecution', 'r', { spec: { step: { name: 'a' } } })).to.deep.equal([
      'r-workflow',
    ]);
    expect(
      causes('KubernetesExecution', 'r', { spec: { step: { name: 'c', dependsOn: ['a', 'b'] } } }),
    ).to.deep.equal(['r-step-a', 'r-step-b']);
    expect(causes('NotificationRequest', 'r', { spec: { type: 'success' } })).to.equal('steps');
    expect(causes('NotificationRequest', 'r', { spec: { type: 'approval' } })).to.deep.equal([
      'r-aianalysis',
    ]);
    expect(causes('NotificationRequest', 'r', { spec: { type: 'escalation' } })).to.equal(undefined);
  });

  it('measures each child from the last done phase of its causes, parallel steps included', function () {
    const { samples, reordered } = handoffs(
      request({
        'r-processing': child('RemediationProcessing', 0, 10, undefined),
        'r-aianalysis': child('AIAnalysis', 12, 20, ['r-processing']),
        'r-workflow': child('WorkflowExecution', 25, 30, ['r-aianalysis']),
        'r-step-a': child('KubernetesExecution', 31, 50, ['r-workflow']),
        'r-step-b': child('KubernetesExecution', 32, 40, ['r-workflow']),
        'r-step-c': child('KubernetesExecution', 54, 60, ['r-step-a', 'r-step-b']),
        'r-success': child('NotificationRequest', 61, undefined, 'steps'),
      }),
    );
    expect(samples).to.deep.equal([2, 5, 1, 2, 4, 1]);
    expect(reordered).to.equal(0);
  });

  it("counts a child seen before its cause's done phase as reordered, not as a hand-off from an earlier sibling", function () {
    const { samples, reordered } = handoffs(
      request({
        'r-processing': child('RemediationProcessing', 0, 10, undefined),
        // The analysis stream lagged: Ready seen 3 ms after the workflow's ADDED.
        'r-aianalysis': child('AIAnalysis', 12, 36_000, ['r-processing']),
        'r-workflow': child('WorkflowExecution', 35_997, 36_100, ['r-aianalysis']),
      }),
    );
    expect(samples, 'no sample from the processing done, 36 s earlier').to.deep.equal([2]);
    expect(reordered).to.equal(1);
  });
});
