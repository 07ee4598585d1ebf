// The shared informers of the six kinds, indexed so that a RemediationRequest's children are found
// by its UID (owner.ts). Each stores the projection of its objects (projection.ts). The child caches
// keep only children of a request, and of the requests in the cache (child-retention.ts), so that
// they do not grow with every request ever made.
import type { KubeSource } from '../k8s/cluster-access.js';
import {
  API_VERSION,
  KINDS,
  type AIAnalysis,
  type ChildKindName,
  type KubernetesExecution,
  type NotificationRequest,
  type RemediationProcessing,
  type RemediationRequest,
  type WorkflowExecution,
} from '../api/index.js';
import { childNames } from '../actors/names.js';
import type { ChildObject, Observed } from '../actors/observed.js';
import { entryOf, route, type RoutingSettings } from '../actors/routing.js';
import { Informer, type InformerEventType, type KubeObject } from '../k8s/informer.js';
import type { BackoffPolicy } from '../util/backoff.js';
import type { Clock } from '../util/clock.js';
import { ChildRetention, ORPHAN_GRACE_MS } from './child-retention.js';
import { ownerUid } from './owner.js';
import {
  projectAnalysis,
  projectExecution,
  projectNotification,
  projectProcessing,
  projectRequest,
  projectWorkflow,
} from './projection.js';
import { RequestIndex, type RequestIndexListener } from './request-index.js';

export const OWNER_INDEX = 'owner';

export interface CachesOptions {
  kubeConfig: KubeSource;
  clock: Clock;
  backoff: BackoffPolicy;
  pageSize: number;
  /** Watched namespaces; all when empty. */
  namespaces: string[];
  /** How long a child whose request is not in the cache is kept; by default four times the longest backoff, at least ORPHAN_GRACE_MS. */
  orphanGraceMs?: number;
  onError?: (kind: string, error: unknown, phase: string) => void;
  onEvent?: (kind: string, type: InformerEventType) => void;
}

/** What the caches hold now: objects by kind, owner-index values, children waiting for their request. */
export interface CacheSizes {
  objects: Record<keyof typeof KINDS, number>;
  ownerIndexValues: number;
  orphansWaiting: number;
  childrenDropped: number;
}

export type RequestHandler = (type: InformerEventType, rr: RemediationRequest) => void;
export type ChildHandler = (type: InformerEventType, kind: ChildKindName, child: ChildObject) => void;

/** One informer per kind and watched namespace (or one per kind for all namespaces), storing projections. */
class KindCache<T extends KubeObject> {
  readonly informers: Informer<T>[];
  /** The last list or watch failure of each informer, until it has synced. */
  private readonly lastErrors: (string | undefined)[] = [];
  constructor(
    readonly kind: keyof typeof KINDS,
    options: CachesOptions,
    indexed: boolean,
    project: (object: T) => T,
  ) {
    const namespaces = options.namespaces.length ? options.namespaces : [undefined];
    this.namespaces = namespaces;
    this.informers = namespaces.map(
      (namespace, at) =>
        new Informer<T>({
          kubeConfig: options.kubeConfig,
          resource: { group: KINDS[kind].group, version: API_VERSION, plural: KINDS[kind].plural, namespace },
          clock: options.clock,
          backoff: options.backoff,
          pageSize: options.pageSize,
          indexers: indexed
            ? {
                [OWNER_INDEX]: (o) => {
                  const uid = ownerUid(o);
                  return uid ? [uid] : [];
                },
              }
            : undefined,
          transform: project,
          // A child belongs to a request or is of no use: one that belongs to none is never stored.
          admit: indexed ? (o) => ownerUid(o) !== undefined : undefined,
          onError: (error, ctx) => {
            this.lastErrors[at] = error instanceof Error ? error.message : String(error);
            options.onError?.(kind, error, ctx.phase);
          },
        }),
    );
    for (const informer of this.informers) informer.on((type) => options.onEvent?.(kind, type));
  }

  private readonly namespaces: (string | undefined)[];

  /** What has not listed yet: the kind, the namespace (or all), and the last error if any. */
  unsynced(): string[] {
    return this.informers.flatMap((informer, at) =>
      informer.hasSynced
        ? []
        : [
            `${this.kind} in ${this.namespaces[at] ? `namespace ${this.namespaces[at]}` : 'all namespaces'}` +
              (this.lastErrors[at] ? ` (${this.lastErrors[at]})` : ''),
          ],
    );
  }

  get(namespace: string | undefined, name: string): T | undefined {
    for (const i of this.informers) {
      const o = i.get(namespace, name);
      if (o) return o;
    }
    return undefined;
  }

  byOwner(uid: string): T[] {
    return this.informers.flatMap((i) => i.byIndex(OWNER_INDEX, uid));
  }

  list(): T[] {
    return this.informers.flatMap((i) => i.list());
  }

  get size(): number {
    return this.informers.reduce((sum, i) => sum + i.size, 0);
  }

  get ownerIndexValues(): number {
    return this.informers.reduce((sum, i) => sum + i.indexedValues(OWNER_INDEX), 0);
  }
}

export class Caches {
  readonly requests: KindCache<RemediationRequest>;
  readonly processings: KindCache<RemediationProcessing>;
  readonly analyses: KindCache<AIAnalysis>;
  readonly workflows: KindCache<WorkflowExecution>;
  readonly executions: KindCache<KubernetesExecution>;
  readonly notifications: KindCache<NotificationRequest>;
  private readonly children: [ChildKindName, KindCache<ChildObject>][];
  /** Every request by fingerprint, target and phase: the history storm protection decides from. */
  readonly requestIndex: RequestIndex;
  private readonly retention: ChildRetention;
  private readonly indexListener: Required<RequestIndexListener> = {
    wake: () => undefined,
    blocked: () => undefined,
  };

  constructor(options: CachesOptions) {
    this.requests = new KindCache('RemediationRequest', options, false, projectRequest);
    this.requestIndex = new RequestIndex({
      wake: (uids) => this.indexListener.wake(uids),
      blocked: (reason, delta) => this.indexListener.blocked(reason, delta),
    });
    // Registered first, so the index has every event before any handler acts on it. A name found
    // with a new UID (by a relist) is the old request deleted: its entry goes.
    for (const i of this.requests.informers)
      i.on((type, rr, previous) => {
        const previousUid = previous?.metadata?.uid;
        if (previous && previousUid && previousUid !== rr.metadata?.uid)
          this.requestIndex.onRequest('deleted', previous);
        this.requestIndex.onRequest(type, rr);
      });
    this.processings = new KindCache('RemediationProcessing', options, true, projectProcessing);
    this.analyses = new KindCache('AIAnalysis', options, true, projectAnalysis);
    this.workflows = new KindCache('WorkflowExecution', options, true, projectWorkflow);
    this.executions = new KindCache('KubernetesExecution', options, true, projectExecution);
    this.notifications = new KindCache('NotificationRequest', options, true, projectNotification);
    this.children = [
      ['RemediationProcessing', this.processings],
      ['AIAnalysis', this.analyses],
      ['WorkflowExecution', this.workflows],
      ['KubernetesExecution', this.executions],
      ['NotificationRequest', this.notifications],
    ] as [ChildKindName, KindCache<ChildObject>][];
    const childInformers = this.children.flatMap(([, c]) => c.informers);
    this.retention = new ChildRetention({
      clock: options.clock,
      graceMs: options.orphanGraceMs ?? Math.max(ORPHAN_GRACE_MS, 4 * options.backoff.maxMs),
      ownerIndex: OWNER_INDEX,
      stores: childInformers,
    });
    for (const i of this.requests.informers)
      i.on((type, rr, previous) => this.retention.onRequest(type, rr, previous));
    for (const i of childInformers) i.on((type, child) => this.retention.onChild(i, type, child));
  }

  onRequest(handler: RequestHandler): void {
    for (const i of this.requests.informers) i.on((type, rr) => handler(type, rr));
  }

  /** Who is told when the index lets a blocked request go, and of the blocked counts. */
  onRouting(listener: RequestIndexListener): void {
    this.indexListener.wake = (uids) => listener.wake(uids);
    this.indexListener.blocked = (reason, delta) => listener.blocked?.(reason, delta);
  }

  onChild(handler: ChildHandler): void {
    for (const [kind, cache] of this.children)
      for (const i of cache.informers) i.on((type, o) => handler(type, kind, o));
  }

  /**
   * Starts every informer, children first, and resolves when all have listed once: a request is
   * only acted on when the children it may already have are in the caches too.
   */
  async start(): Promise<void> {
    await Promise.all(this.children.flatMap(([, c]) => c.informers.map((i) => i.start())));
    this.retention.requestsListing();
    await Promise.all(this.requests.informers.map((i) => i.start()));
    this.retention.requestsSynced();
  }

  sizes(): CacheSizes {
    return {
      objects: Object.fromEntries(
        [this.requests, ...this.children.map(([, c]) => c)].map((c) => [c.kind, c.size]),
      ) as CacheSizes['objects'],
      ownerIndexValues: this.children.reduce((sum, [, c]) => sum + c.ownerIndexValues, 0),
      orphansWaiting: this.retention.waitingCount,
      childrenDropped: this.retention.dropped,
    };
  }

  /** The kinds and namespaces not listed yet, with their last error: empty once all have synced. */
  unsynced(): string[] {
    return [this.requests, ...this.children.map(([, c]) => c)].flatMap((c) => c.unsynced());
  }

  stop(): void {
    for (const i of [...this.requests.informers, ...this.children.flatMap(([, c]) => c.informers)]) i.stop();
    this.retention.stop();
  }

  /**
   * The request with this UID and its children, from the caches; with `routing`, the verdict of the
   * storm-protection rules at `now` and how many requests were folded into it. A child is the object
   * of its deterministic name (src/actors/names.ts) whose controller is this request: an object of
   * another name stands in for no child, whatever it claims in its spec. Steps are those of the plan
   * and of status, so a step created but not yet in status is still found.
   */
  view(
    namespace: string,
    name: string,
    uid: string,
    routing?: { settings: RoutingSettings; now: number },
  ): Observed | undefined {
    const rr = this.requests.get(namespace, name);
    if (!rr || rr.metadata?.uid !== uid) return undefined;
    const self = routing && (this.requestIndex.byUid(uid) ?? entryOf(rr));
    const child = <T extends KubeObject>(cache: KindCache<T>, childName: string): T | undefined => {
      const o = cache.get(namespace, childName);
      return o && ownerUid(o) === uid ? o : undefined;
    };
    const workflow = child(this.workflows, childNames.workflow(name));
    const steps = new Set([
      ...(workflow?.status?.plan?.steps ?? []).map((s) => s.name),
      ...(rr.status?.kubernetesExecutionRefs ?? []).map((r) => r.step),
    ]);
    const executions: Observed['executions'] = {};
    for (const step of steps) {
      const ke = child(this.executions, childNames.execution(name, step));
      if (ke) executions[step] = ke;
    }
    return {
      rr,
      processing: child(this.processings, childNames.processing(name)),
      analysis: child(this.analyses, childNames.analysis(name)),
      workflow,
      executions,
      notifications: Object.fromEntries(
        this.notifications
          .byOwner(uid)
          .filter((nr) => nr.metadata?.name === childNames.notification(name, nr.spec.type, uid))
          .map((nr) => [nr.spec.type, nr]),
      ),
      routing:
        routing && self
          ? {
              verdict: route(self, this.requestIndex, routing.settings, routing.now),
              duplicates: this.requestIndex.duplicatesOf(uid) || undefined,
            }
          : undefined,
    };
  }
}
