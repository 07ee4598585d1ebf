// Property: requests and child statuses generated within the CRDs' schemas (maximum lengths, odd
// unicode, maximum items, deep enrichedData, extreme durations), run through the machine and its
// effects, give writes that the target CRDs accept; every request ends with a reason or has a
// deadline that moves it on; and no notification is lost: it exists, or the request says why not.
import { expect } from 'chai';
import fc from 'fast-check';
import { LIMITS, type RemediationRequest } from '../../src/api/index.js';
import { isTerminal } from '../../src/actors/phases.js';
import { nextDeadline, type Settings } from '../../src/actors/status.js';
import { codePoints } from '../../src/util/fit.js';
import { schemaViolations } from '../support/crd-schema.js';
import { harness, MINUTE, request, testSettings, type Harness } from '../support/machine-harness.js';

const text = (maxLength: number, minLength = 0) =>
  fc.oneof(
    fc.string({ unit: 'binary', minLength, maxLength }),
    fc.string({ unit: 'grapheme', minLength, maxLength }),
    fc.constant('x'.repeat(Math.max(minLength, maxLength))),
  );
/** A DNS label of 1-`max` characters (step names, parts of object names). */
const label = (max = 63) =>
  fc
    .tuple(
      fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), maxLength: max - 2 }),
      fc.constantFrom('a', 'z', '0', '9'),
    )
    .map(([body, end]) => `${end}${body}${end}`.slice(0, max).replace(/-+$/, '') || 'a');
const requestName = fc.oneof(label(63), label(253), fc.constant('r'.repeat(253)));
const duration = fc.oneof(
  fc.constantFrom('1ns', '1ms', '0.5s', '90s', '15m', '1h30m', '100000h', '2562047h'),
  fc
    .tuple(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom('ms', 's', 'm', 'h'))
    .map(([n, u]) => `${n}${u}`),
);
const deepObject = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'binary', maxLength: 50 }),
    fc.integer(),
    fc.boolean(),
    fc.dictionary(fc.string({ maxLength: 10 }), tie('node'), { maxKeys: 4 }),
    fc.array(tie('node'), { maxLength: 4 }),
  ),
})).node;
/** A free-form object (`x-kubernetes-preserve-unknown-fields`), nested a few levels deep. */
const freeForm = fc.dictionary(fc.string({ maxLength: 10 }), deepObject, { maxKeys: 6 });

const targetingData = fc.record(
  {
    signalFingerprint: fc.stringMatching(/^[A-Za-z0-9:._-]{1,128}$/),
    alertName: text(253, 1),
    environment: text(63, 1),
    severity: fc.oneof(fc.constantFrom('critical', 'warning', 'info'), text(50)),
    namespace: label(63),
    labels: fc.dictionary(fc.string({ maxLength: 20 }), text(1024), { maxKeys: 64 }),
  },
  { requiredKeys: ['signalFingerprint', 'alertName', 'environment'] },
);
const timeouts = fc.record(
  {
    global: duration,
    processing: duration,
    analyzing: duration,
    awaitingApproval: duration,
    workflowPlanning: duration,
    executing: duration,
  },
  { requiredKeys: [] },
);
const childFailure = fc.record({ phase: fc.constant('Failed'), reason: text(128), message: text(1024) });
const approvalContext = fc.record({
  reason: text(1024),
  confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  summary: text(4096),
  recommendedActions: fc.array(text(1024), { maxLength: 50 }),
});
const approval = (decision: 'Approved' | 'Rejected') =>
  fc.record({
    decision: fc.constant(decision),
    decidedBy: text(253),
    method: text(63),
    justification: text(2048),
  });
const step = fc.record({
  name: label(63),
  action: text(128, 1),
  parameters: freeForm,
  dependsOn: fc.array(label(63), { maxLength: 3 }),
});
const planned = fc.array(step, { maxLength: 50 }).map((steps) => ({ phase: 'Planned', plan: { steps } }));

/** What the children answer, phase by phase; a missing answer leaves the request waiting. */
const scenario = fc.record({
  rr: fc.record({ name: requestName, targetingData, timeouts }),
  processing: fc.option(
    fc.oneof(childFailure, fc.record({ phase: fc.constant('Completed'), enrichedData: freeForm })),
  ),
  analysis: fc.option(
    fc.oneof(
      childFailure,
      fc.record({ phase: fc.constant('Rejected'), message: text(1024) }),
      fc.record({
        phase: fc.constant('Approving'),
        requiresApproval: fc.constant(true),
        approvalContext,
      }),
      fc.record({ phase: fc.constant('Ready') }),
    ),
  ),
  decision: fc.option(
    fc.oneof(
      approval('Approved').map((a) => ({ phase: 'Ready', approval: a })),
      approval('Rejected').map((a) => ({ phase: 'Rejected', approval: a })),
    ),
  ),
  workflow: fc.option(fc.oneof(childFailure, planned)),
  stepsFail: fc.array(fc.boolean(), { maxLength: 50 }),
  stepMessage: text(1024),
  refusal: fc.constantFrom(undefined, 'FORBIDDEN', 'INVALID_OBJECT'),
  settings: fc.record({
    historyLimit: fc.integer({ min: 1, max: 1000 }),
    channels: fc.array(text(100, 1), { minLength: 1, maxLength: 12 }),
  }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

/** What the API server would refuse among everything the machine wrote. */
function violations(h: Harness): string[] {
  const out = schemaViolations('RemediationRequest', h.cluster.rr);
  for (const { kind, object } of h.cluster.children.values()) out.push(...schemaViolations(kind, object));
  for (const e of h.cluster.events)
    if (codePoints(e.message) > LIMITS.eventMessage.max) out.push(`Event ${e.reason}: message too long`);
  return out;
}

async function run(s: Scenario): Promise<Harness> {
  const rr: RemediationRequest = request(s.rr.name, {
    targetingData: s.rr.targetingData,
    timeouts: s.rr.timeouts,
  });
  const settings: Settings = { ...testSettings, ...s.settings };
  const h = harness(rr, settings);
  if (s.refusal) h.cluster.refuse('NotificationRequest', s.refusal, s.refusal === 'INVALID_OBJECT');
  await h.settle();
  await h.observe();
  const answer = async (kind: 'RemediationProcessing' | 'AIAnalysis' | 'WorkflowExecution', st: unknown) => {
    const name = h.cluster.names(kind)[0];
    if (name && st && !isTerminal(h.phase())) await h.childStatus(name, st as Record<string, unknown>);
  };
  await answer('RemediationProcessing', s.processing);
  await answer('AIAnalysis', s.analysis);
  if (h.phase() === 'AwaitingApproval') await answer('AIAnalysis', s.decision);
  await answer('WorkflowExecution', s.workflow);
  const answered = new Set<string>();
  for (let round = 0; round < 60 && h.phase() === 'Executing'; round++) {
    const next = h.cluster.names('KubernetesExecution').filter((n) => !answered.has(n));
    if (!next.length) break;
    for (const name of next) {
      answered.add(name);
      const fail = s.stepsFail[answered.size - 1] ?? false;
      await h.childStatus(name, fail ? { phase: 'Failed', message: s.stepMessage } : { phase: 'Completed' });
    }
  }
  return h;
}

/** Moves the clock from deadline to deadline until the request ends; it must end, with a reason. */
async function runOut(h: Harness): Promise<void> {
  for (let i = 0; i < 20 && !isTerminal(h.phase()); i++) {
    const ctx = h.context();
    const deadline = nextDeadline(ctx.ledger, ctx.observed.rr, ctx.settings);
    expect(deadline, `a request in ${h.phase()} has a deadline`).to.not.equal(undefined);
    await h.advance(Math.max(1, deadline!.at - h.clock.now()));
  }
  expect(isTerminal(h.phase()), `ends, not stuck in ${h.phase()}`).to.equal(true);
  expect(h.status().reason, 'ends with a reason').to.be.a('string');
  expect(h.status().message, 'and a sentence').to.be.a('string');
}

/** A notification the request's history calls for exists, or the request says why it does not. */
function notificationsAccountedFor(h: Harness, s: Scenario): void {
  const status = h.status();
  const wanted: string[] = [];
  if (status.phaseHistory?.some((p) => p.phase === 'AwaitingApproval')) wanted.push('approval');
  if (status.phase === 'Failed' || status.phase === 'TimedOut') wanted.push('escalation');
  if (status.phase === 'Completed' && status.reason === 'Succeeded') wanted.push('success');
  const shown = status.conditions?.find((c) => c.type === 'NotificationFailed' && c.status === 'True');
  for (const type of wanted.filter((t) => !h.notificationTypes().includes(t))) {
    // Refused for good, or (an approval) no longer called for once the request went on: said, not lost.
    const excused = s.refusal === 'INVALID_OBJECT' || (s.refusal === 'FORBIDDEN' && type === 'approval');
    expect(excused, `the ${type} notification is lost`).to.equal(true);
    expect(shown?.message, `the request says why there is no ${type} notification`).to.contain(
      `The ${type} notification could not be created (not tried again)`,
    );
  }
}

describe('property: generated requests and child statuses within the CRDs', function () {
  this.timeout(120_000);

  it('give writes the CRDs accept, end with a reason, and lose no notification', async function () {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const h = await run(s);
        expect(violations(h), 'writes while running').to.deep.equal([]);
        await runOut(h);
        h.cluster.refuse('NotificationRequest', s.refusal === 'FORBIDDEN' ? undefined : s.refusal, true);
        await h.advance(MINUTE);
        await h.observe();
        notificationsAccountedFor(h, s);
        expect(violations(h), 'writes at the end').to.deep.equal([]);
        h.actor.stop();
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) },
    );
  });
});
