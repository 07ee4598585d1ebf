// Helpers for tests against a real API server: namespaces, typed custom-object calls, and waiting
// on a watch for the cluster to reach a state (never a sleep).
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { API_VERSION, KINDS, apiVersionOf, type KindName } from '../../src/api/index.js';
import { Informer, type KubeObject } from '../../src/k8s/informer.js';
import { systemClock } from '../../src/util/clock.js';

export interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    [k: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

export async function createNamespace(kc: KubeConfig, prefix = 't'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

export async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc
    .makeApiClient(CoreV1Api)
    .deleteNamespace({ name })
    .catch(() => undefined);
}

/** A KubeConfig for the same cluster as `admin` that authenticates as a ServiceAccount (a one-hour token), as its pod would. */
export async function kubeConfigAs(
  admin: KubeConfig,
  namespace: string,
  serviceAccount: string,
): Promise<KubeConfig> {
  const token = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const kc = new KubeConfig();
  const cluster = admin.getCurrentCluster()!;
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: serviceAccount, token: token.status!.token }],
    contexts: [{ name: serviceAccount, cluster: cluster.name, user: serviceAccount }],
    currentContext: serviceAccount,
  });
  return kc;
}

export class Objects {
  readonly api: CustomObjectsApi;
  constructor(private readonly kc: KubeConfig) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  private coords(kind: KindName) {
    return { group: KINDS[kind].group, version: API_VERSION, plural: KINDS[kind].plural };
  }

  async create(kind: KindName, namespace: string, body: Omit<Obj, 'apiVersion' | 'kind'>): Promise<Obj> {
    const full = { apiVersion: apiVersionOf(kind), kind: KINDS[kind].kind, ...body };
    return (await this.api.createNamespacedCustomObject({
      ...this.coords(kind),
      namespace,
      body: full,
    })) as Obj;
  }

  async get(kind: KindName, namespace: string, name: string): Promise<Obj> {
    return (await this.api.getNamespacedCustomObject({ ...this.coords(kind), namespace, name })) as Obj;
  }

  async list(kind: KindName, namespace: string, labelSelector?: string): Promise<Obj[]> {
    const list = (await this.api.listNamespacedCustomObject({
      ...this.coords(kind),
      namespace,
      labelSelector,
    })) as { items: Obj[] };
    return list.items;
  }

  async replaceStatus(kind: KindName, namespace: string, body: Obj): Promise<Obj> {
    return (await this.api.replaceNamespacedCustomObjectStatus({
      ...this.coords(kind),
      namespace,
      name: body.metadata.name,
      body,
    })) as Obj;
  }

  /** Merges `status` into the object's status through the status subresource, retrying conflicts. */
  async patchStatus(
    kind: KindName,
    namespace: string,
    name: string,
    status: Record<string, unknown>,
  ): Promise<Obj> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(kind, namespace, name);
      try {
        return await this.replaceStatus(kind, namespace, {
          ...current,
          status: { ...current.status, ...status },
        });
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || attempt > 10) throw err;
      }
    }
  }

  async delete(kind: KindName, namespace: string, name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({ ...this.coords(kind), namespace, name });
  }

  /**
   * Resolves with the objects of `kind` in `namespace` once `predicate` holds for them: an informer
   * (list, then watch, reconnecting past client-node's 30 s inactivity timeout) re-checks on every event.
   */
  async waitUntil<T>(
    kind: KindName,
    namespace: string,
    predicate: (objects: Obj[]) => T | undefined | false,
    timeoutMs = 30_000,
    what = 'condition',
  ): Promise<T> {
    const informer = new Informer<Obj & KubeObject>({
      kubeConfig: this.kc,
      resource: { group: KINDS[kind].group, version: API_VERSION, plural: KINDS[kind].plural, namespace },
      clock: systemClock,
      backoff: { initialMs: 100, maxMs: 1000, jitter: 0.2 },
    });
    try {
      return await new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          const seen = informer.list().map((o) => ({ name: o.metadata.name, status: o.status }));
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${kind} in ${namespace}: ${what}\nlast seen: ${JSON.stringify(seen, null, 1).slice(0, 4000)}`,
            ),
          );
        }, timeoutMs);
        const check = (): void => {
          if (!informer.hasSynced) return;
          const result = predicate(informer.list());
          if (result) {
            clearTimeout(timer);
            resolve(result);
          }
        };
        informer.on(check);
        informer.start().then(check, (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
      });
    } finally {
      informer.stop();
    }
  }
}

/** Resolves with the reasons of the Events recorded on `name` once they include all of `reasons`. */
export async function waitForEventReasons(
  kc: KubeConfig,
  namespace: string,
  name: string,
  reasons: string[],
  timeoutMs = 20_000,
): Promise<string[]> {
  const seen = new Set<string>();
  const done = (): boolean => reasons.every((r) => seen.has(r));
  const list = await kc
    .makeApiClient(CoreV1Api)
    .listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  for (const e of list.items) seen.add(e.reason ?? '');
  if (done()) return [...seen];
  return new Promise((resolve, reject) => {
    let request: { abort(): void } | undefined;
    const timer = setTimeout(() => {
      request?.abort();
      reject(
        new Error(
          `timed out waiting for events ${reasons.join(', ')} on ${namespace}/${name}; saw ${[...seen].join(', ')}`,
        ),
      );
    }, timeoutMs);
    void new Watch(kc)
      .watch(
        `/api/v1/namespaces/${namespace}/events`,
        { resourceVersion: list.metadata?.resourceVersion, fieldSelector: `involvedObject.name=${name}` },
        (_type, e: { reason?: string }) => {
          seen.add(e.reason ?? '');
          if (done()) {
            clearTimeout(timer);
            request?.abort();
            resolve([...seen]);
          }
        },
        () => undefined,
      )
      .then((r) => (request = r));
  });
}
