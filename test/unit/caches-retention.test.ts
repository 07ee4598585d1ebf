// The caches against a fake API server (lists and watches of the six kinds): what they keep of the
// children. Children of requests the cache holds are there for Caches.view; a child of no request,
// children of a request deleted before the list, and a deleted request's children are not; a name a
// relist finds with a new UID drops the old request from the storm-protection index too.
import { expect } from 'chai';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, KINDS, type KindName } from '../../src/api/index.js';
import { Caches } from '../../src/cluster/caches.js';
import type { KubeObject } from '../../src/k8s/indexed-store.js';
import { systemClock } from '../../src/util/clock.js';

const NS = 'team-a';

/** Lists and watches of every kind, all namespaces; the test changes objects and watches see it. */
class FakeApiServer {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly watchers = new Map<string, Set<ServerResponse>>();
  private rv = 100;
  private readonly waitingForWatch: { plural: string; resolve: () => void }[] = [];
  readonly server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const plural = url.pathname.split('/').at(-1)!;
    res.setHeader('content-type', 'application/json');
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200);
      res.flushHeaders();
      let set = this.watchers.get(plural);
      if (!set) this.watchers.set(plural, (set = new Set()));
      set.add(res);
      res.on('close', () => set.delete(res));
      for (const w of this.waitingForWatch.filter((w) => w.plural === plural)) w.resolve();
      return;
    }
    const items = [...(this.objects.get(plural)?.values() ?? [])];
    res.writeHead(200).end(JSON.stringify({ items, metadata: { resourceVersion: String(this.rv) } }));
  });

  url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once a watch of `kind` is open (at once if one is). */
  watched(kind: KindName): Promise<void> {
    const plural = KINDS[kind].plural;
    if (this.watchers.get(plural)?.size) return Promise.resolve();
    return new Promise((resolve) => this.waitingForWatch.push({ plural, resolve }));
  }

  /** Stores `object` and tells the watches, unless `quietly` (then only a list sees it). */
  put(kind: KindName, object: KubeObject, quietly = false): void {
    const plural = KINDS[kind].plural;
    let map = this.objects.get(plural);
    if (!map) this.objects.set(plural, (map = new Map<string, KubeObject>()));
    const existed = map.has(object.metadata!.name!);
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.rv) } };
    map.set(object.metadata!.name!, stored);
    if (!quietly) this.send(plural, existed ? 'MODIFIED' : 'ADDED', stored);
  }

  delete(kind: KindName, name: string, quietly = false): void {
    const plural = KINDS[kind].plural;
    const stored = this.objects.get(plural)?.get(name);
    if (!stored) return;
    this.objects.get(plural)!.delete(name);
    if (!quietly) this.send(plural, 'DELETED', stored);
  }

  /** Tells the watches of `kind` that their resourceVersion is too old: the informer relists. */
  expire(kind: KindName): void {
    this.send(KINDS[kind].plural, 'ERROR', { code: 410 } as KubeObject);
  }

  private send(plural: string, type: string, object: KubeObject): void {
    for (const res of this.watchers.get(plural) ?? []) res.write(`${JSON.stringify({ type, object })}\n`);
  }

  close(): Promise<void> {
    for (const set of this.watchers.values()) for (const res of set) res.end();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const request = (name: string, uid: string): KubeObject =>
  ({
    apiVersion: `${KINDS.RemediationRequest.group}/${API_VERSION}`,
    kind: 'RemediationRequest',
    metadata: { namespace: NS, name, uid },
    spec: { targetingData: { signalFingerprint: `fp-${name}`, severity: 'warning' } },
  }) as KubeObject;
const processing = (rr: string, owner?: string): KubeObject =>
  ({
    apiVersion: `${KINDS.RemediationProcessing.group}/${API_VERSION}`,
    kind: 'RemediationProcessing',
    metadata: {
      namespace: NS,
      name: `${rr}-processing`,
      uid: `p-${rr}`,
      ownerReferences: owner
        ? [{ apiVersion: 'v1', kind: 'RemediationRequest', name: rr, uid: owner, controller: true }]
        : undefined,
    },
    spec: {},
  }) as KubeObject;
const notification = (rr: string, owner: string): KubeObject =>
  ({
    apiVersion: `${KINDS.NotificationRequest.group}/${API_VERSION}`,
    kind: 'NotificationRequest',
    metadata: { namespace: NS, name: `${rr}-success-${owner.slice(0, 8)}`, uid: `n-${rr}` },
    spec: { type: 'success', remediationRequestRef: { name: rr, namespace: NS, uid: owner } },
  }) as KubeObject;

describe('caches: what they keep of the children', function () {
  // The first API call of the process loads the HTTP client: seconds on a loaded 2-core machine.
  this.timeout(30_000);
  let api: FakeApiServer;
  let caches: Caches;

  beforeEach(async function () {
    api = new FakeApiServer();
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'fake', server: api.url(), skipTLSVerify: true }],
      users: [{ name: 'fake' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    });
    caches = new Caches({
      kubeConfig,
      clock: systemClock,
      backoff: { initialMs: 10, maxMs: 100, jitter: 0 },
      pageSize: 500,
      namespaces: [],
    });
  });

  afterEach(async function () {
    caches.stop();
    await api.close();
  });

  /** Resolves on the first request event `match` accepts (handlers run after the caches' own). */
  const requestEvent = (match: (type: string, rr: KubeObject) => boolean): Promise<void> =>
    new Promise((resolve) => caches.onRequest((type, rr) => match(type, rr) && resolve()));

  it('keeps the children of the requests listed, and none of a deleted request or of no request', async function () {
    api.put('RemediationRequest', request('live', 'uid-live-0000'));
    api.put('RemediationProcessing', processing('live', 'uid-live-0000'));
    api.put('NotificationRequest', notification('live', 'uid-live-0000'));
    // The request of these was deleted before the orchestrator started; the notification stays.
    api.put('RemediationProcessing', processing('gone', 'uid-gone-0000'));
    api.put('NotificationRequest', notification('gone', 'uid-gone-0000'));
    api.put('RemediationProcessing', processing('nobodys'));
    await caches.start();

    const view = caches.view(NS, 'live', 'uid-live-0000');
    expect(view?.processing?.metadata?.name).to.equal('live-processing');
    expect(view?.notifications.success?.metadata?.name).to.equal('live-success-uid-live');
    const sizes = caches.sizes();
    expect(sizes.objects).to.deep.include({ RemediationProcessing: 1, NotificationRequest: 1 });
    expect(sizes.ownerIndexValues).to.equal(2);
    expect(sizes.orphansWaiting).to.equal(0);
  });

  it("drops a deleted request's children, and its owner-index entries, when its deletion is watched", async function () {
    for (const name of ['a', 'b']) {
      api.put('RemediationRequest', request(name, `uid-${name}-0000`));
      api.put('RemediationProcessing', processing(name, `uid-${name}-0000`));
      api.put('NotificationRequest', notification(name, `uid-${name}-0000`));
    }
    await caches.start();
    await api.watched('RemediationRequest');
    const deleted = requestEvent((type) => type === 'deleted');
    api.delete('RemediationRequest', 'a');
    await deleted;

    expect(caches.processings.get(NS, 'a-processing')).to.equal(undefined);
    expect(caches.notifications.byOwner('uid-a-0000')).to.deep.equal([]);
    expect(caches.view(NS, 'b', 'uid-b-0000')?.notifications.success).to.not.equal(undefined);
    expect(caches.sizes().objects).to.deep.include({ RemediationProcessing: 1, NotificationRequest: 1 });
    expect(caches.sizes().ownerIndexValues).to.equal(2);
  });

  it('a relist that finds a name with a new UID drops the old request from the index and its children', async function () {
    api.put('RemediationRequest', request('a', 'uid-old-0000'));
    api.put('NotificationRequest', notification('a', 'uid-old-0000'));
    await caches.start();
    expect(caches.requestIndex.size).to.equal(1);
    await api.watched('RemediationRequest');

    api.delete('RemediationRequest', 'a', true);
    api.put('RemediationRequest', request('a', 'uid-new-0000'), true);
    const relisted = requestEvent((_, rr) => rr.metadata?.uid === 'uid-new-0000');
    api.expire('RemediationRequest');
    await relisted;

    expect(caches.requestIndex.size).to.equal(1);
    expect(caches.requestIndex.byUid('uid-old-0000')).to.equal(undefined);
    expect(caches.notifications.byOwner('uid-old-0000')).to.deep.equal([]);
    expect(caches.sizes().objects.NotificationRequest).to.equal(0);
  });
});
