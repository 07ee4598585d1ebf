// The approval NotificationRequest shows the plan it asks a person to approve: the ASCII graph after
// the summary in spec.message, the Mermaid source in spec.metadata.planMermaid, both fitted to the
// NotificationRequest CRD's limits (a 50-step plan is shortened with a note, never refused).
import { expect } from 'chai';
import { renderPlanAscii, renderPlanMermaid } from '../../src/actors/plan-picture.js';
import { LIMITS } from '../../src/api/index.js';
import { codePoints } from '../../src/util/fit.js';
import { crdSchema, schemaAt, schemaViolations } from '../support/crd-schema.js';
import { approvalContext, approving, harness } from '../support/machine-harness.js';

interface Recommendation {
  name: string;
  action: string;
  dependsOn?: string[];
}

const diamond: Recommendation[] = [
  { name: 'drain-node', action: 'drain' },
  { name: 'scale-up', action: 'scale', dependsOn: ['drain-node'] },
  { name: 'restart-pod', action: 'restart', dependsOn: ['drain-node'] },
  { name: 'verify', action: 'check', dependsOn: ['scale-up', 'restart-pod'] },
];

/** 50 recommendations with the longest names the AIAnalysis CRD allows, each after up to three before it. */
function largestPlan(): Recommendation[] {
  const name = (i: number) => `step-${String(i).padStart(2, '0')}-`.padEnd(63, 'x');
  return Array.from({ length: 50 }, (_, i) => ({
    name: name(i),
    action: 'restart',
    dependsOn: [i - 1, i - 2, i - 3].filter((d) => d >= 0).map(name),
  }));
}

/** The approval NotificationRequest written when the analysis asks for approval with `status`. */
async function approvalFor(status: Record<string, unknown>) {
  const h = harness();
  await h.reach('Analyzing');
  await h.childStatus(h.child('aianalysis'), { ...approving, ...status });
  expect(h.phase()).to.equal('AwaitingApproval');
  const nr = h.cluster.ofKind('NotificationRequest').find((n) => n.spec.type === 'approval');
  expect(nr, 'the approval notification exists').to.not.equal(undefined);
  expect(schemaViolations('NotificationRequest', nr)).to.deep.equal([]);
  return nr!.spec as { message: string; metadata: Record<string, string> };
}

describe('the approval notification shows the plan as a picture', function () {
  it('puts the ASCII graph of the recommendations after the summary and their Mermaid in planMermaid', async function () {
    const spec = await approvalFor({ investigationResult: { recommendations: diamond } });
    expect(spec.message).to.equal(`restart pods\n\nThe plan to approve:\n${renderPlanAscii(diamond)}`);
    expect(spec.message).to.include('3  verify       <- scale-up, restart-pod');
    expect(spec.metadata.planMermaid).to.equal(renderPlanMermaid(diamond));
    expect(spec.metadata.planMermaid).to.include('s2 & s3 --> s4');
  });

  it('draws the recommended actions of the approval context as steps without dependencies when there are no recommendations', async function () {
    const spec = await approvalFor({
      approvalContext: {
        ...approvalContext,
        recommendedActions: ['restart-pod: restart', 'scale\n  to 5 replicas'],
      },
    });
    expect(spec.message).to.equal(
      [
        'restart pods',
        '',
        'The plan to approve:',
        '2 steps in 1 level; a step starts once the steps after "<-" have completed',
        '1  restart-pod: restart',
        '   scale to 5 replicas',
      ].join('\n'),
    );
    expect(spec.metadata.planMermaid).to.include('  s2["scale to 5 replicas"]');
  });

  it('writes the message alone and no planMermaid when the analysis names no step', async function () {
    const spec = await approvalFor({ approvalContext: { ...approvalContext, recommendedActions: [] } });
    expect(spec.message).to.equal('restart pods');
    expect(spec.metadata).to.not.have.property('planMermaid');
  });

  it('shortens the pictures of a 50-step plan with a note so that both pass the CRD limits after a 4096-character summary', async function () {
    const summary = '😀'.repeat(4096);
    const spec = await approvalFor({
      approvalContext: { ...approvalContext, summary },
      investigationResult: { recommendations: largestPlan() },
    });
    const messageMax = schemaAt(crdSchema('NotificationRequest'), 'spec.message')!.maxLength!;
    const valueMax = schemaAt(crdSchema('NotificationRequest'), 'spec.metadata.*')!.maxLength!;
    expect([messageMax, valueMax]).to.deep.equal([
      LIMITS.notificationMessage.max,
      LIMITS.notificationMetadataValue.max,
    ]);
    expect(spec.message.startsWith(`${summary}\n\nThe plan to approve:\n50 steps in 50 levels`)).to.equal(
      true,
    );
    expect(spec.message).to.match(/\n… and \d+ more steps$/);
    expect(codePoints(spec.message)).to.be.within(messageMax - 300, messageMax);
    expect(spec.metadata.planMermaid).to.match(/^flowchart TD\n/);
    expect(spec.metadata.planMermaid).to.match(/ {2}more\["… and \d+ more steps"\]/);
    expect(codePoints(spec.metadata.planMermaid!)).to.be.at.most(valueMax);
  });

  it('cuts a recommended action of 1024 characters so that other steps still fit', async function () {
    const spec = await approvalFor({
      approvalContext: { ...approvalContext, recommendedActions: ['x'.repeat(1024), 'verify'] },
    });
    expect(spec.metadata.planMermaid).to.include('  s2["verify"]');
    expect(spec.message).to.include('   verify');
  });
});
