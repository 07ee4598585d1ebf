// An in-memory stand-in for the effect executor, for unit tests of the machine and the actor: it
// applies a batch of writes the way the API server would (resourceVersions, uids, AlreadyExists).
import type { ChildKindName, RemediationRequest } from '../../src/api/index.js';
import type { EffectBatch, EffectResult, KubeEvent } from '../../src/actors/effects.js';
import type { NotificationType } from '../../src/actors/names.js';
import type { ChildObject, Observed } from '../../src/actors/observed.js';
import { shorten } from '../../src/util/shorten.js';

type Any = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
};

interface Refusal {
  code: string;
  message: string;
  permanent: boolean;
}

const ownerUid = (o: Any): string | undefined =>
  (o.metadata.ownerReferences as { uid?: string }[] | undefined)?.[0]?.uid;

export class MemoryCluster {
  rv = 1;
  rr: RemediationRequest;
  readonly children = new Map<string, { kind: ChildKindName; object: Any }>();
  readonly events: KubeEvent[] = [];
  readonly writes: string[] = [];
  /** Every batch applied, failed ones included. */
  readonly batches: EffectBatch[] = [];
  /** Children that exist but that the informer caches (snapshot) do not show yet. */
  readonly hidden = new Set<string>();
  failNext = 0;
  /** Kinds whose creates the API server refuses, and how (see `refuse`). */
  readonly refusals = new Map<ChildKindName, Refusal>();

  constructor(rr: RemediationRequest) {
    this.rr = {
      ...rr,
      metadata: {
        uid: 'rr-uid',
        namespace: 'ns',
        resourceVersion: String(this.rv++),
        generation: 1,
        ...rr.metadata,
      },
    };
  }

  /** The same objects, as a restarted orchestrator would find them (writes and events not copied). */
  clone(): MemoryCluster {
    const copy = new MemoryCluster(this.rr);
    copy.rv = this.rv;
    for (const [name, c] of this.children) copy.children.set(name, { ...c });
    return copy;
  }

  private bump<T>(o: T): T {
    const x = o as { metadata?: Record<string, unknown> };
    return { ...x, metadata: { ...x.metadata, resourceVersion: String(this.rv++) } } as T;
  }

  apply = async (batch: EffectBatch): Promise<EffectResult> => {
    this.batches.push(batch);
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('simulated API outage');
    }
    const result: EffectResult = { objects: [], absent: [], eventsSent: 0 };
    const setFinalizer = (present: boolean): void => {
      this.rr = this.bump({
        ...this.rr,
        metadata: { ...this.rr.metadata, finalizers: present ? ['remediation.kubernaut.ai/finalizer'] : [] },
      });
      this.writes.push(present ? 'addFinalizer' : 'removeFinalizer');
      result.objects.push(this.rr);
    };
    if (batch.removeFinalizer) setFinalizer(false);
    for (const c of batch.creates) {
      const existing = this.children.get(c.name);
      this.writes.push(`create ${c.kind} ${c.name}`);
      const refusal = this.refusals.get(c.kind);
      if (refusal) {
        // As RemediationApi does: a notification's failure is reported, a child's fails the request.
        if (c.kind === 'NotificationRequest') {
          const type = (c.body.spec as { type: NotificationType }).type;
          result.notificationFailures = [
            ...(result.notificationFailures ?? []),
            { type, name: c.name, ...refusal },
          ];
        } else if (refusal.permanent) {
          result.terminal ??= { reason: 'ChildRejected', message: refusal.message };
          result.abandoned = [...(result.abandoned ?? []), c.name];
        } else throw new Error(refusal.message);
        continue;
      }
      if (existing) {
        const owner = ownerUid(existing.object);
        if (owner !== undefined && owner !== batch.request.uid) {
          result.terminal ??= {
            reason: 'ChildConflict',
            message: `${c.kind} ${c.name} already exists and belongs to ${owner}`,
          };
          result.abandoned = [...(result.abandoned ?? []), c.name];
        } else {
          result.objects.push(existing.object as unknown as ChildObject);
        }
        continue;
      }
      const object = this.bump({
        ...(c.body as unknown as Any),
        // As long as a UID may be (64), so that what records it fits its schema.
        metadata: { ...(c.body.metadata as Any['metadata']), uid: `uid-${shorten(c.name, 60)}` },
      }) as Any;
      this.children.set(c.name, { kind: c.kind, object });
      result.objects.push(object as unknown as ChildObject);
    }
    for (const v of batch.verify) {
      const found = this.children.get(v.name);
      this.writes.push(`verify ${v.name}`);
      if (found) result.objects.push(found.object as unknown as ChildObject);
      else result.absent.push(v.name);
    }
    for (const c of batch.cancels) {
      const found = this.children.get(c.name);
      if (!found) continue;
      found.object = this.bump({ ...found.object, spec: { ...found.object.spec, cancelRequested: true } });
      this.writes.push(`cancel ${c.name}`);
      result.objects.push(found.object as unknown as ChildObject);
    }
    if (batch.status) {
      // The API server answers with its own copy of what it stored (parsed JSON), never our object.
      this.rr = this.bump({
        ...this.rr,
        status: JSON.parse(JSON.stringify(batch.status.status)) as typeof batch.status.status,
      });
      this.writes.push(`status ${batch.status.status.phase}`);
      result.objects.push(this.rr);
      result.writtenStatus = batch.status.status;
    }
    // As RemediationApi does: on first sight the status goes first, so pickup waits for one write.
    if (batch.addFinalizer) setFinalizer(true);
    this.events.push(...batch.events);
    result.eventsSent = batch.events.length;
    return result;
  };

  /** From now on the API server refuses every create of `kind`, with `code`; `undefined` lifts it. */
  refuse(kind: ChildKindName, code: string | undefined, permanent = false): void {
    if (code === undefined) this.refusals.delete(kind);
    else this.refusals.set(kind, { code, permanent, message: `create ${kind}: refused with ${code}` });
  }

  /** How many creates of `kind` were attempted. */
  attempts(kind: ChildKindName): number {
    return this.writes.filter((w) => w.startsWith(`create ${kind} `)).length;
  }

  child(name: string): Any {
    const c = this.children.get(name);
    if (!c) throw new Error(`no child ${name}; have ${[...this.children.keys()].join(', ')}`);
    return c.object;
  }

  /** Puts an object there as someone else (another controller, a person) would. */
  put(kind: ChildKindName, object: Any): void {
    this.children.set(object.metadata.name, { kind, object: this.bump(object) });
  }

  /** Plays the child's controller: merges `status` into the child's status. */
  setChildStatus(name: string, status: Record<string, unknown>): void {
    const c = this.children.get(name)!;
    c.object = this.bump({ ...c.object, status: { ...c.object.status, ...status } });
  }

  deleteChild(name: string): void {
    this.children.delete(name);
  }

  patchRequest(patch: (rr: RemediationRequest) => RemediationRequest): void {
    this.rr = this.bump(patch(this.rr));
  }

  ofKind(kind: ChildKindName): Any[] {
    return [...this.children.values()].filter((c) => c.kind === kind).map((c) => c.object);
  }

  /** Names of the children of `kind`, in creation order. */
  names(kind: ChildKindName): string[] {
    return this.ofKind(kind).map((o) => o.metadata.name);
  }

  snapshot(): Observed {
    const visible = (kind: ChildKindName) =>
      this.ofKind(kind).filter((o) => !this.hidden.has(o.metadata.name));
    const one = (kind: ChildKindName) => visible(kind)[0] as never;
    return {
      rr: this.rr,
      processing: one('RemediationProcessing'),
      analysis: one('AIAnalysis'),
      workflow: one('WorkflowExecution'),
      executions: Object.fromEntries(
        visible('KubernetesExecution').map((ke) => [(ke.spec.step as { name: string }).name, ke as never]),
      ),
      notifications: Object.fromEntries(
        visible('NotificationRequest').map((nr) => [nr.spec.type as string, nr as never]),
      ),
    };
  }
}
