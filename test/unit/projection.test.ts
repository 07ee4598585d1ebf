// The informer caches' projections: what they drop, that everything the orchestrator reads survives,
// and that a remediation observed only through projections writes exactly what it writes without.
import { expect } from 'chai';
import { CANCEL_ANNOTATION, type ChildKindName, type RemediationRequest } from '../../src/api/index.js';
import type { ChildObject, Observed } from '../../src/actors/observed.js';
import { ownerUid } from '../../src/cluster/owner.js';
import {
  INTERN_LIMIT,
  PROJECTIONS,
  intern,
  internedCount,
  projectAny,
  projectNotification,
  projectRequest,
} from '../../src/cluster/projection.js';
import { MemoryCluster } from '../support/memory-cluster.js';
import {
  MINUTE,
  approvalContext,
  approved,
  approving,
  harness,
  planned,
  ready,
  request,
  type Harness,
} from '../support/machine-harness.js';

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** `o` as the API server sends it: managedFields, creationTimestamp, labels and annotations besides. */
function asServed<T>(o: T): T {
  const x = o as Obj;
  const metadata = x.metadata ?? {};
  return {
    ...x,
    metadata: {
      ...metadata,
      creationTimestamp: '2026-11-26T10:00:00Z',
      labels: { 'kubernaut.ai/remediation-request': 'rr1', ...(metadata.labels as object | undefined) },
      annotations: {
        [LAST_APPLIED]: JSON.stringify({ spec: x.spec }),
        ...(metadata.annotations as object | undefined),
      },
      managedFields: [
        {
          manager: 'remediation-orchestrator',
          operation: 'Update',
          apiVersion: x.apiVersion,
          time: '2026-11-26T10:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { '.': {}, 'f:targetingData': {} } },
        },
        {
          manager: 'child-controller',
          operation: 'Update',
          subresource: 'status',
          apiVersion: x.apiVersion,
          time: '2026-11-26T10:00:01Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': { '.': {}, 'f:phase': {} } },
        },
      ],
    },
  } as T;
}

const PROJECT = PROJECTIONS;
const project = <T>(kind: keyof typeof PROJECT, o: T): T => PROJECT[kind](o as never) as T;

/**
 * What the informer caches hand to an actor: every object as served, projected, then found and
 * keyed as Caches.view does (by owner UID, executions by step name, notifications by type).
 */
function throughCaches(s: Observed): Observed {
  const rr = project('RemediationRequest', asServed(s.rr));
  const owned = <T>(kind: ChildKindName, objects: (T | undefined)[]): T[] =>
    objects
      .flatMap((o) => (o ? [project(kind, asServed(o))] : []))
      .filter((o) => ownerUid(o as unknown as ChildObject) === rr.metadata?.uid);
  return {
    rr,
    processing: owned('RemediationProcessing', [s.processing])[0],
    analysis: owned('AIAnalysis', [s.analysis])[0],
    workflow: owned('WorkflowExecution', [s.workflow])[0],
    executions: Object.fromEntries(
      owned('KubernetesExecution', Object.values(s.executions)).map((ke) => [ke.spec.step.name, ke]),
    ),
    notifications: Object.fromEntries(
      owned('NotificationRequest', Object.values(s.notifications)).map((nr) => [nr.spec.type, nr]),
    ),
  };
}

class ProjectingCluster extends MemoryCluster {
  override snapshot(): Observed {
    return throughCaches(super.snapshot());
  }
}

/** A dotted path, or its keys when a key has dots itself. */
type Path = string | string[];
const keysOf = (path: Path): string[] => (Array.isArray(path) ? path : path.split('.'));
const at = (o: unknown, path: Path): unknown =>
  keysOf(path).reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], o);

/** Every field of a cached object that src/actors, src/supervisor and src/cluster read. */
const READ: Record<keyof typeof PROJECT, Path[]> = {
  RemediationRequest: [
    'apiVersion',
    'kind',
    'metadata.name',
    'metadata.namespace',
    'metadata.uid',
    'metadata.resourceVersion',
    'metadata.generation',
    'metadata.finalizers',
    'metadata.deletionTimestamp',
    ['metadata', 'annotations', CANCEL_ANNOTATION],
    'spec',
    'status',
  ],
  RemediationProcessing: ['metadata.ownerReferences', 'status.enrichedData'],
  AIAnalysis: [
    'metadata.ownerReferences',
    'status.message',
    'status.approval',
    'status.approvalContext',
    'status.investigationResult.recommendations',
  ],
  WorkflowExecution: ['metadata.ownerReferences', 'status.plan.steps'],
  KubernetesExecution: ['metadata.ownerReferences', 'spec.step.name'],
  // Not owned: found through spec.remediationRequestRef.
  NotificationRequest: ['spec.type'],
};
const CHILD_READ: Path[] = [
  'apiVersion',
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'metadata.resourceVersion',
  'spec.remediationRequestRef',
  'spec.cancelRequested',
  'status.phase',
];
/** A failed child's message and reason are shown (the sample's step c failed). */
const FAILED_READ: Path[] = ['status.message', 'status.reason'];

/** The objects of a finished 3-step remediation with an approval, flagged cancelled and being deleted, as served. */
async function servedObjects(): Promise<[keyof typeof PROJECT, Obj][]> {
  const h = harness();
  await h.reach('AwaitingApproval');
  await h.childStatus(
    h.child('aianalysis'),
    ready({ approval: approved, approvalContext, message: 'approved by alice' }),
  );
  await h.childStatus(
    h.child('workflow'),
    planned([{ name: 'a' }, { name: 'b', dependsOn: ['a'] }, { name: 'c', dependsOn: ['a'] }]),
  );
  for (const step of ['a', 'b'])
    await h.childStatus(h.child(`step-${step}`), {
      phase: 'Completed',
      reason: 'Succeeded',
      message: 'done',
      startTime: '2026-11-26T10:01:00Z',
      output: { ok: true },
    });
  await h.childStatus(h.child('step-c'), {
    phase: 'Failed',
    reason: 'Boom',
    message: 'the rollout failed',
    startTime: '2026-11-26T10:01:00Z',
  });
  const cancelled = (o: Obj): Obj => ({
    ...o,
    spec: { ...o.spec, cancelRequested: true },
    status: o.status ?? { phase: 'Sent' },
  });
  const rr = h.cluster.rr as unknown as Obj;
  const deleting = {
    ...rr,
    metadata: {
      ...rr.metadata,
      deletionTimestamp: '2026-11-26T11:00:00Z',
      annotations: { [CANCEL_ANNOTATION]: 'true' },
    },
  };
  return [
    ['RemediationRequest', asServed(deleting)],
    ...[...h.cluster.children.values()].map(({ kind, object }): [ChildKindName, Obj] => [
      kind,
      asServed(cancelled(object)),
    ]),
  ];
}

describe('projection: what the informer caches keep', function () {
  it('drops managedFields, labels, other annotations, and the children specs the orchestrator does not read', async function () {
    const objects = await servedObjects();
    expect(objects.map(([kind]) => kind).sort()).to.deep.equal([
      'AIAnalysis',
      'KubernetesExecution',
      'KubernetesExecution',
      'KubernetesExecution',
      'NotificationRequest',
      'NotificationRequest',
      'RemediationProcessing',
      'RemediationRequest',
      'WorkflowExecution',
    ]);
    for (const [kind, o] of objects) {
      const p = project(kind, o);
      expect(Object.keys(p.metadata ?? {}), kind).to.not.include.members([
        'managedFields',
        'labels',
        'creationTimestamp',
      ]);
      expect(p.metadata?.annotations ?? {}, kind).to.not.have.property(LAST_APPLIED);
      if (kind === 'RemediationRequest') continue;
      const kept = { KubernetesExecution: ['step'], NotificationRequest: ['type'] }[kind as string] ?? [];
      expect(Object.keys(p.spec ?? {}).sort(), kind).to.deep.equal(
        ['cancelRequested', 'remediationRequestRef', ...kept].sort(),
      );
    }
    const ke = objects.find(([kind]) => kind === 'KubernetesExecution')![1];
    expect(project('KubernetesExecution', ke).spec?.step).to.deep.equal({ name: 'a' });
  });

  it('keeps of a child status only what is read: a message and reason only when failed (an analysis always), no timestamps or outputs', async function () {
    const objects = await servedObjects();
    const statusOf = (kind: string, name?: string): Record<string, unknown> => {
      const o = objects.find(([k, x]) => k === kind && (name === undefined || x.metadata?.name === name))![1];
      return project(kind as keyof typeof PROJECT, o).status ?? {};
    };
    expect(statusOf('KubernetesExecution', 'rr1-step-a')).to.deep.equal({ phase: 'Completed' });
    expect(statusOf('KubernetesExecution', 'rr1-step-c')).to.deep.equal({
      phase: 'Failed',
      reason: 'Boom',
      message: 'the rollout failed',
    });
    expect(Object.keys(statusOf('NotificationRequest'))).to.deep.equal(['phase']);
    expect(Object.keys(statusOf('WorkflowExecution'))).to.deep.equal(['phase', 'plan']);
    expect(Object.keys(statusOf('RemediationProcessing')).sort()).to.deep.equal(['enrichedData', 'phase']);
    const analysis = statusOf('AIAnalysis');
    expect(Object.keys(analysis).sort()).to.deep.equal([
      'approval',
      'approvalContext',
      'investigationResult',
      'message',
      'phase',
    ]);
    expect(analysis.investigationResult).to.deep.equal({
      recommendations: [{ name: 'a', action: 'restart' }],
    });
  });

  it('shares repeated strings through a bounded table: enum-like fields only, emptied when full', function () {
    const before = internedCount();
    const rr = request();
    for (let i = 0; i < 50; i++)
      projectRequest(
        asServed({
          ...rr,
          metadata: { name: `unique-name-${i}`, namespace: 'ns', uid: `uid-${i}`, resourceVersion: `${i}` },
        }),
      );
    // Names and uids do not go in; the namespace, kind and apiVersion once.
    expect(internedCount() - before).to.be.below(20);
    // The strings of an interned field's array go in too: a new finalizer once, whatever the object.
    const n = internedCount();
    for (let i = 0; i < 3; i++)
      projectRequest({
        ...rr,
        metadata: { name: `f-${i}`, namespace: 'ns', finalizers: ['example.com/novel-finalizer'] },
      });
    expect(internedCount()).to.equal(n + 1);
    const many = internedCount();
    expect(intern('x'.repeat(65))).to.equal('x'.repeat(65));
    expect(internedCount(), 'a long string stays out').to.equal(many);
    for (let i = 0; i < INTERN_LIMIT + 10; i++) intern(`phase-${i}`);
    // Emptied once on the way: what is left came after.
    expect(internedCount()).to.be.at.most(INTERN_LIMIT).and.to.be.below(100);
  });

  it('keeps every field the orchestrator reads, unchanged, and the owner of every child', async function () {
    for (const [kind, o] of await servedObjects()) {
      const p = project(kind, o);
      const failed = (o.status as { phase?: string } | undefined)?.phase === 'Failed';
      const paths =
        kind === 'RemediationRequest'
          ? READ[kind]
          : [...CHILD_READ, ...READ[kind], ...(failed ? FAILED_READ : [])];
      for (const path of paths) {
        const name = `${kind} ${keysOf(path).join('.')}`;
        expect(at(o, path), `${name} is in the sample`).to.not.equal(undefined);
        expect(at(p, path), name).to.deep.equal(at(o, path));
      }
      if (kind !== 'RemediationRequest')
        expect(ownerUid(p), kind).to.equal(ownerUid(o)).and.to.equal('rr-uid');
    }
  });

  it('is idempotent and leaves its input alone', async function () {
    for (const [kind, o] of await servedObjects()) {
      const copy = structuredClone(o);
      const once = project(kind, o);
      expect(project(kind, once), kind).to.deep.equal(once);
      expect(o, kind).to.deep.equal(copy);
    }
  });

  it('projectAny picks the projection by kind, and leaves other kinds whole (the answers of writes)', async function () {
    for (const [kind, o] of await servedObjects())
      expect(projectAny(o), kind).to.deep.equal(project(kind, o));
    const event = asServed({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, spec: { a: 1 } });
    expect(projectAny(event)).to.equal(event);
  });

  it('keeps what an object has, adding nothing: a request without metadata or status stays so', function () {
    const bare = { spec: request().spec } as RemediationRequest;
    expect(projectRequest(bare)).to.deep.equal(bare);
    expect(projectNotification({ spec: { type: 'success' } } as never)).to.deep.equal({
      spec: { type: 'success' },
    });
  });
});

describe('projection: a remediation observed through projections writes exactly the same', function () {
  const scenarios: Record<string, { rr?: RemediationRequest; run(h: Harness): Promise<void> }> = {
    'a 3-step run to Completed': {
      async run(h) {
        await h.reach('Executing', [
          { name: 'a' },
          { name: 'b', dependsOn: ['a'] },
          { name: 'c', dependsOn: ['a'] },
        ]);
        for (const step of ['a', 'b', 'c'])
          await h.childStatus(h.child(`step-${step}`), { phase: 'Completed' });
      },
    },
    'an approval, then a failed step that stops its sibling': {
      async run(h) {
        await h.reach('AwaitingApproval');
        await h.childStatus(h.child('aianalysis'), { ...approving, message: 'still waiting' });
        await h.childStatus(h.child('aianalysis'), ready({ approval: approved }));
        await h.childStatus(h.child('workflow'), planned([{ name: 'a' }, { name: 'b' }]));
        await h.childStatus(h.child('step-b'), { phase: 'Running' });
        await h.childStatus(h.child('step-a'), {
          phase: 'Failed',
          reason: 'Boom',
          message: 'the rollout failed',
        });
        await h.observe();
      },
    },
    'a rejected approval': {
      async run(h) {
        await h.reach('AwaitingApproval');
        await h.childStatus(h.child('aianalysis'), {
          phase: 'Rejected',
          approval: { decision: 'Rejected', decidedBy: 'lead@example.com', justification: 'too risky' },
        });
      },
    },
    'processing fails': {
      async run(h) {
        await h.reach('Processing');
        await h.childStatus(h.child('processing'), {
          phase: 'Failed',
          reason: 'EnrichmentError',
          message: 'the context API is down',
        });
      },
    },
    'the cancel annotation while Executing': {
      async run(h) {
        await h.reach('Executing', [{ name: 'a' }, { name: 'b' }]);
        await h.cancel();
        await h.observe();
      },
    },
    'deleted while Analyzing': {
      async run(h) {
        await h.reach('Analyzing');
        await h.markDeleted();
      },
    },
    'a phase timeout from spec.timeouts': {
      rr: request('rr1', { timeouts: { processing: '5m' } }),
      async run(h) {
        await h.reach('Processing');
        await h.advance(5 * MINUTE);
      },
    },
    'a working child deleted by hand': {
      async run(h) {
        await h.reach('Analyzing');
        h.cluster.deleteChild(h.child('aianalysis'));
        await h.observe([h.child('aianalysis')]);
      },
    },
  };

  for (const [name, scenario] of Object.entries(scenarios)) {
    it(name, async function () {
      const plain = harness(new MemoryCluster(scenario.rr ?? request()));
      const through = harness(new ProjectingCluster(scenario.rr ?? request()));
      await scenario.run(plain);
      await scenario.run(through);
      expect(through.cluster.writes).to.deep.equal(plain.cluster.writes);
      expect(through.cluster.writes.length).to.be.greaterThan(3);
      expect(JSON.parse(JSON.stringify(through.cluster.batches))).to.deep.equal(
        JSON.parse(JSON.stringify(plain.cluster.batches)),
      );
      expect(through.cluster.events).to.deep.equal(plain.cluster.events);
      expect(through.phase()).to.equal(plain.phase());
      expect(through.region('phase')).to.deep.equal(plain.region('phase'));
    });
  }
});
