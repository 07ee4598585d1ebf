// Applies an actor's batch of writes to the API server through the ApiWriter: the only place where
// effects meet the kube client. Creates adopt their own AlreadyExists; status writes carry the
// resourceVersion as a precondition; on conflict the fresh request goes back to the actor, which
// recomputes the status from it (a finalizer patch is re-read and retried here). Calls go through
// KubeHttp (half the CPU of client-node's typed APIs) and what they return is kept as its projection.
import type { KubeSource } from '../k8s/cluster-access.js';
import {
  API_VERSION,
  FINALIZER,
  KINDS,
  type ChildKindName,
  type KindName,
  type RemediationRequest,
} from '../api/index.js';
import type { ChildCreate } from '../actors/children.js';
import {
  eventsToRecord,
  type EffectBatch,
  type EffectResult,
  type EventPolicy,
  type KubeEvent,
  type RequestRef,
} from '../actors/effects.js';
import type { NotificationType } from '../actors/names.js';
import type { ChildObject } from '../actors/observed.js';
import type { Status } from '../actors/status.js';
import { OrchestratorError, classify } from '../k8s/errors.js';
import { ContentType, KubeHttp } from '../k8s/kube-http.js';
import type { ApiWriter, Lane } from '../k8s/writer.js';
import { laneOf } from './write-lane.js';
import type { Clock } from '../util/clock.js';
import { ownerUid } from './owner.js';
import { projectAny } from './projection.js';

export interface RemediationApiObserver {
  childCreated?(kind: ChildKindName, seconds: number): void;
  /** A create failed (after the writer's retries): to be counted and logged, never silent. */
  createFailed?(request: RequestRef, kind: ChildKindName, name: string, error: OrchestratorError): void;
  statusUpdate?(result: 'success' | 'conflict' | 'failure'): void;
  notificationCreated?(type: string): void;
  eventFailed?(error: unknown): void;
}

const MAX_CONFLICT_RETRIES = 5;
/** A status write met 409: its resourceVersion is stale. */
const CONFLICT = Symbol('conflict');
const COMPONENT = 'remediation-orchestrator';
const FIELD_MANAGER = { fieldManager: COMPONENT };

function collectionPath(kind: KindName, namespace: string): string {
  return `/apis/${KINDS[kind].group}/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${KINDS[kind].plural}`;
}

function objectPath(kind: KindName, namespace: string, name: string): string {
  return `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;
}

/** The newest RemediationRequest a batch's writes returned. */
function latestRequest(result: EffectResult): RemediationRequest | undefined {
  return result.objects.findLast((o): o is RemediationRequest => o.kind === 'RemediationRequest');
}

export class RemediationApi {
  private readonly http: KubeHttp;

  constructor(
    kubeConfig: KubeSource,
    private readonly writer: ApiWriter,
    private readonly clock: Clock,
    private readonly observer: RemediationApiObserver = {},
    private readonly eventPolicy: EventPolicy = 'outcomes',
  ) {
    this.http = new KubeHttp(kubeConfig);
  }

  /** Deletes an expired request, if it is still the same object; already gone is fine. */
  deleteRequest = async (ref: RequestRef): Promise<void> => {
    const body = { preconditions: { uid: ref.uid }, propagationPolicy: 'Background' };
    await this.writer
      .run('delete', 'RemediationRequest', `delete expired ${ref.namespace}/${ref.name}`, () =>
        this.http.request('DELETE', objectPath('RemediationRequest', ref.namespace, ref.name), { body }),
      )
      .catch((err: unknown) => {
        if ((err as OrchestratorError).code !== 'GONE') throw err;
      });
  };

  /** A call whose answer is one of our objects, kept as its projection. */
  private async call<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<T> {
    const object = await this.http.request<T & object>(
      method,
      path,
      body === undefined
        ? {}
        : {
            body,
            query: FIELD_MANAGER,
            contentType: method === 'PATCH' ? ContentType.mergePatch : ContentType.json,
          },
    );
    return projectAny(object);
  }

  apply = async (batch: EffectBatch): Promise<EffectResult> => {
    const result: EffectResult = { objects: [], absent: [], eventsSent: 0 };
    const { request } = batch;
    // On first sight the status goes before the finalizer, so that pickup waits for one write, not two.
    const lane = laneOf(batch);
    if (batch.removeFinalizer) {
      const rr = await this.setFinalizer(request, batch.observedMeta, false, lane);
      if (rr) result.objects.push(rr);
      else return result;
    }
    for (const ref of batch.verify) {
      const found = await this.read(ref.kind, request.namespace, ref.name);
      if (found) result.objects.push(found as ChildObject);
      else result.absent.push(ref.name);
    }
    const created = await Promise.allSettled(batch.creates.map((c) => this.create(request, c)));
    for (const [i, outcome] of created.entries()) {
      if (outcome.status === 'fulfilled') {
        result.objects.push(outcome.value);
        continue;
      }
      const err = classify(outcome.reason, `create ${batch.creates[i]!.kind}`);
      const create = batch.creates[i]!;
      this.observer.createFailed?.(request, create.kind, create.name, err);
      if (create.kind === 'NotificationRequest') {
        // Recorded, never blocking (API.md): the rest of the batch goes on.
        const type = (create.body.spec as { type: NotificationType }).type;
        result.notificationFailures = [
          ...(result.notificationFailures ?? []),
          { type, name: create.name, code: err.code, message: err.message, permanent: !err.retryable },
        ];
        continue;
      }
      if (err.retryable) throw err;
      result.terminal ??= {
        reason: err.code === 'CHILD_CONFLICT' ? 'ChildConflict' : 'ChildRejected',
        message: err.message,
      };
      result.abandoned = [...(result.abandoned ?? []), create.name];
    }
    await Promise.all(
      batch.cancels.map((c) =>
        this.requestCancel(request.namespace, c.kind, c.name).then((o) => o && result.objects.push(o)),
      ),
    );
    if (batch.status) {
      const written = await this.writeStatus(
        request,
        batch.status.status,
        batch.status.resourceVersion,
        lane,
      );
      if (written === CONFLICT) {
        // The status was computed from a view someone else has changed since: the actor recomputes
        // it from the fresh object (re-read below) and writes again; what follows it waits too.
        const fresh = await this.getRequest(request, lane);
        if (fresh) result.objects.push(fresh);
        return result;
      }
      if (written) {
        result.objects.push(written);
        result.writtenStatus = batch.status.status;
      }
    }
    if (batch.addFinalizer) {
      const written = latestRequest(result);
      const meta = written
        ? {
            finalizers: written.metadata?.finalizers ?? [],
            resourceVersion: written.metadata?.resourceVersion,
          }
        : batch.observedMeta;
      const rr = await this.setFinalizer(request, meta, true, lane);
      if (rr) result.objects.push(rr);
      else return result;
    }
    // Events are best effort and nobody waits for them: they go out behind every other write.
    const events = eventsToRecord(batch.events, this.eventPolicy);
    if (events.length) void this.recordEvents(request, latestRequest(result), events);
    result.eventsSent = batch.events.length;
    return result;
  };

  private async read(
    kind: KindName,
    namespace: string,
    name: string,
    lane: Lane = 'normal',
  ): Promise<unknown> {
    try {
      return await this.writer.run(
        'get',
        KINDS[kind].kind,
        `get ${kind} ${namespace}/${name}`,
        () => this.call('GET', objectPath(kind, namespace, name)),
        { lane },
      );
    } catch (err) {
      if ((err as OrchestratorError).code === 'GONE') return undefined;
      throw err;
    }
  }

  private async create(request: RequestRef, child: ChildCreate): Promise<ChildObject> {
    const what = `create ${child.kind} ${request.namespace}/${child.name}`;
    const started = this.clock.now();
    // A notification is tried again by its actor after a backoff, while the request goes on: the
    // writer's own retries would only hold back the status write behind it (a missing RBAC verb).
    const retry =
      child.kind === 'NotificationRequest'
        ? (e: OrchestratorError): boolean => e.code === 'API_UNAVAILABLE'
        : undefined;
    try {
      const created = await this.writer.run<ChildObject>(
        'create',
        child.kind,
        what,
        () => this.call('POST', collectionPath(child.kind, request.namespace), child.body),
        { retry },
      );
      this.observer.childCreated?.(child.kind, (this.clock.now() - started) / 1000);
      if (child.kind === 'NotificationRequest')
        this.observer.notificationCreated?.((child.body.spec as { type: string }).type);
      return created;
    } catch (err) {
      if ((err as OrchestratorError).httpStatus !== 409) throw err;
      const existing = (await this.read(child.kind, request.namespace, child.name)) as
        ChildObject | undefined;
      if (!existing)
        throw new OrchestratorError(
          'CHILD_NOT_FOUND',
          `${what}: it already existed, then vanished before it could be read; retrying`,
        );
      if (ownerUid(existing) !== request.uid) {
        throw new OrchestratorError(
          'CHILD_CONFLICT',
          `${what}: an object of that name already exists and belongs to ${ownerUid(existing) ?? 'no RemediationRequest'}, not to ${request.uid}; delete it or rename the request`,
        );
      }
      return existing;
    }
  }

  private async requestCancel(
    namespace: string,
    kind: ChildKindName,
    name: string,
  ): Promise<ChildObject | undefined> {
    try {
      return await this.writer.run<ChildObject>('patch', kind, `cancel ${kind} ${namespace}/${name}`, () =>
        this.call('PATCH', objectPath(kind, namespace, name), { spec: { cancelRequested: true } }),
      );
    } catch (err) {
      if ((err as OrchestratorError).code === 'GONE') return undefined;
      throw err;
    }
  }

  private async getRequest(
    request: RequestRef,
    lane: Lane = 'normal',
  ): Promise<RemediationRequest | undefined> {
    const rr = (await this.read('RemediationRequest', request.namespace, request.name, lane)) as
      RemediationRequest | undefined;
    return rr?.metadata?.uid === request.uid ? rr : undefined;
  }

  /** Adds or removes our finalizer with the observed resourceVersion as precondition; reads only after a conflict. */
  private async setFinalizer(
    request: RequestRef,
    observed: EffectBatch['observedMeta'],
    present: boolean,
    lane: Lane,
  ): Promise<RemediationRequest | undefined> {
    let current: EffectBatch['observedMeta'] | undefined = observed;
    for (let attempt = 0; current; attempt++) {
      const finalizers = current.finalizers.filter((f) => f !== FINALIZER);
      if (present) finalizers.push(FINALIZER);
      const body = { metadata: { finalizers, resourceVersion: current.resourceVersion } };
      try {
        return await this.writer.run<RemediationRequest>(
          'patch',
          'RemediationRequest',
          `${present ? 'add' : 'remove'} finalizer on ${request.namespace}/${request.name}`,
          () => this.call('PATCH', objectPath('RemediationRequest', request.namespace, request.name), body),
          { lane },
        );
      } catch (err) {
        const code = (err as OrchestratorError).code;
        if (code === 'GONE') return undefined;
        if (code !== 'STATUS_CONFLICT' || attempt >= MAX_CONFLICT_RETRIES) throw err;
        const fresh = await this.getRequest(request, lane);
        current = fresh && {
          finalizers: fresh.metadata?.finalizers ?? [],
          resourceVersion: fresh.metadata?.resourceVersion,
        };
      }
    }
    return undefined;
  }

  /** Writes status with the resourceVersion it was computed from; CONFLICT when that is no longer current. */
  private async writeStatus(
    request: RequestRef,
    status: Status,
    resourceVersion: string | undefined,
    lane: Lane,
  ): Promise<RemediationRequest | undefined | typeof CONFLICT> {
    const body = { metadata: { resourceVersion }, status };
    try {
      const rr = await this.writer.run<RemediationRequest>(
        'patch',
        'RemediationRequest',
        `write status of ${request.namespace}/${request.name}`,
        () =>
          this.call(
            'PATCH',
            `${objectPath('RemediationRequest', request.namespace, request.name)}/status`,
            body,
          ),
        { lane },
      );
      this.observer.statusUpdate?.('success');
      return rr;
    } catch (err) {
      const e = err as OrchestratorError;
      if (e.code === 'GONE') return undefined;
      if (e.code === 'STATUS_CONFLICT') {
        this.observer.statusUpdate?.('conflict');
        return CONFLICT;
      }
      this.observer.statusUpdate?.('failure');
      throw err;
    }
  }

  /** Kubernetes Events are best effort: a failure is counted and logged, never retried forever. */
  private async recordEvents(
    request: RequestRef,
    rr: RemediationRequest | undefined,
    events: KubeEvent[],
  ): Promise<void> {
    const now = new Date(this.clock.now()).toISOString();
    await Promise.all(
      events.map((e) =>
        this.writer
          .run(
            'create',
            'Event',
            `record event ${e.reason} on ${request.namespace}/${request.name}`,
            () =>
              this.http.request(
                'POST',
                `/api/v1/namespaces/${encodeURIComponent(request.namespace)}/events`,
                {
                  body: {
                    metadata: { generateName: `${request.name}.`, namespace: request.namespace },
                    involvedObject: {
                      apiVersion: `${KINDS.RemediationRequest.group}/${API_VERSION}`,
                      kind: 'RemediationRequest',
                      name: request.name,
                      namespace: request.namespace,
                      uid: request.uid,
                      resourceVersion: rr?.metadata?.resourceVersion,
                    },
                    reason: e.reason,
                    message: e.message,
                    type: e.type,
                    count: 1,
                    firstTimestamp: now,
                    lastTimestamp: now,
                    source: { component: COMPONENT },
                    reportingComponent: COMPONENT,
                    reportingInstance: COMPONENT,
                  },
                },
              ),
            { lane: 'background' },
          )
          .catch((err: unknown) => this.observer.eventFailed?.(classify(err, `event ${e.reason}`))),
      ),
    );
  }
}
