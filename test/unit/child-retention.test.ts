// Which children the caches keep (src/cluster/child-retention.ts): those of the requests in the
// request cache. A deleted request's children go at once; a child whose request is not in the cache
// waits a grace period for it; at start, children of requests deleted before the list go.
import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { ChildRetention } from '../../src/cluster/child-retention.js';
import { ownerUid } from '../../src/cluster/owner.js';
import { IndexedStore, type KubeObject } from '../../src/k8s/indexed-store.js';

const GRACE = 60_000;
const OWNER = 'owner';

const request = (name: string, uid: string): KubeObject => ({
  kind: 'RemediationRequest',
  metadata: { namespace: 'ns', name, uid, resourceVersion: '1' },
});
const owned = (name: string, owner: string, rv = '1'): KubeObject => ({
  kind: 'RemediationProcessing',
  metadata: {
    namespace: 'ns',
    name,
    resourceVersion: rv,
    ownerReferences: [
      { apiVersion: 'v1', kind: 'RemediationRequest', name: 'rr', uid: owner, controller: true },
    ],
  },
});
const notification = (name: string, owner: string, rv = '1'): KubeObject =>
  ({
    kind: 'NotificationRequest',
    metadata: { namespace: 'ns', name, resourceVersion: rv },
    spec: { remediationRequestRef: { name: 'rr', namespace: 'ns', uid: owner } },
  }) as KubeObject;

/** Two child stores (as two kinds) and the retention over them, fed as Caches feeds it. */
function setup() {
  const clock = new SimulatedClock();
  const stores: IndexedStore<KubeObject>[] = [];
  const retention = new ChildRetention({ clock, graceMs: GRACE, ownerIndex: OWNER, stores });
  for (let i = 0; i < 2; i++) {
    const store: IndexedStore<KubeObject> = new IndexedStore<KubeObject>(
      {
        [OWNER]: (o) => {
          const uid = ownerUid(o);
          return uid ? [uid] : [];
        },
      },
      (type, o) => retention.onChild(store, type, o),
    );
    stores.push(store);
  }
  const requests = new IndexedStore<KubeObject>({}, (type, rr, previous) =>
    retention.onRequest(type, rr, previous),
  );
  const [processings, notifications] = stores as [IndexedStore<KubeObject>, IndexedStore<KubeObject>];
  const names = (store: IndexedStore<KubeObject>): string[] =>
    store
      .list()
      .map((o) => o.metadata!.name!)
      .sort();
  /** Lists the children, then the requests, as Caches.start does. */
  const start = (children: KubeObject[][], rrs: KubeObject[]): void => {
    processings.replace(children[0] ?? []);
    notifications.replace(children[1] ?? []);
    retention.requestsListing();
    requests.replace(rrs);
    retention.requestsSynced();
  };
  return { clock, retention, requests, processings, notifications, names, start };
}

describe('child retention (which children the caches keep)', function () {
  it('at start, drops the children whose request is not in the request list, and keeps the others', function () {
    const { processings, notifications, names, start, retention } = setup();
    start(
      [
        [owned('a-processing', 'uid-a'), owned('gone-processing', 'uid-gone')],
        [notification('a-success', 'uid-a'), notification('gone-success', 'uid-gone')],
      ],
      [request('a', 'uid-a')],
    );
    expect(names(processings)).to.deep.equal(['a-processing']);
    expect(names(notifications)).to.deep.equal(['a-success']);
    expect(processings.byIndex(OWNER, 'uid-gone')).to.deep.equal([]);
    expect(notifications.indexedValues(OWNER)).to.equal(1);
    expect(retention.dropped).to.equal(2);
    expect(retention.waitingCount).to.equal(0);
  });

  it("drops a deleted request's children from every child cache at once, and their owner-index entries", function () {
    const { requests, processings, notifications, names, start } = setup();
    start(
      [
        [owned('a-processing', 'uid-a'), owned('b-processing', 'uid-b')],
        [notification('a-success', 'uid-a'), notification('b-success', 'uid-b')],
      ],
      [request('a', 'uid-a'), request('b', 'uid-b')],
    );
    requests.remove(request('a', 'uid-a'));
    expect(names(processings)).to.deep.equal(['b-processing']);
    expect(names(notifications)).to.deep.equal(['b-success']);
    expect(processings.indexedValues(OWNER) + notifications.indexedValues(OWNER)).to.equal(2);
  });

  it('drops the children of a request whose name a relist finds with a new UID', function () {
    const { requests, processings, names, start } = setup();
    start([[owned('a-processing', 'uid-old')], []], [request('a', 'uid-old')]);
    requests.replace([
      { ...request('a', 'uid-new'), metadata: { ...request('a', 'uid-new').metadata, resourceVersion: '9' } },
    ]);
    expect(names(processings)).to.deep.equal([]);
  });

  it('keeps a child that comes before its request, when the request comes within the grace period', function () {
    const { clock, requests, notifications, names, start, retention } = setup();
    start([[], []], []);
    notifications.upsert(notification('late-success', 'uid-late'));
    expect(retention.waitingCount).to.equal(1);
    clock.increment(GRACE / 2);
    requests.upsert(request('late', 'uid-late'));
    clock.increment(GRACE);
    expect(names(notifications)).to.deep.equal(['late-success']);
    expect(retention.waitingCount).to.equal(0);
  });

  it('drops a child whose request never comes once the grace period is over, not before', function () {
    const { clock, notifications, names, start, retention } = setup();
    start([[], []], []);
    notifications.upsert(notification('stray-success', 'uid-stray'));
    clock.increment(GRACE - 1);
    expect(names(notifications)).to.deep.equal(['stray-success']);
    clock.increment(1);
    expect(names(notifications)).to.deep.equal([]);
    expect(notifications.indexedValues(OWNER)).to.equal(0);
    expect(retention.waitingCount).to.equal(0);
  });

  it("drops again, after the grace period, a deleted request's child that a later update brought back", function () {
    const { clock, requests, notifications, names, start } = setup();
    start([[], [notification('a-success', 'uid-a')]], [request('a', 'uid-a')]);
    requests.remove(request('a', 'uid-a'));
    expect(names(notifications)).to.deep.equal([]);
    // The notification service marks it Sent after the request is gone.
    notifications.upsert(notification('a-success', 'uid-a', '2'));
    expect(names(notifications)).to.deep.equal(['a-success']);
    clock.increment(GRACE);
    expect(names(notifications)).to.deep.equal([]);
  });

  it('keeps a child that came while the requests were listing, whose request comes after the list', function () {
    const { clock, requests, processings, notifications, names, retention } = setup();
    processings.replace([]);
    notifications.replace([notification('old-success', 'uid-old')]);
    retention.requestsListing();
    notifications.upsert(notification('new-success', 'uid-new'));
    requests.replace([]);
    retention.requestsSynced();
    expect(names(notifications)).to.deep.equal(['new-success']);
    requests.upsert(request('new', 'uid-new'));
    clock.increment(GRACE);
    expect(names(notifications)).to.deep.equal(['new-success']);
  });

  it('drops nothing before the requests have synced', function () {
    const { clock, processings, notifications, names, retention } = setup();
    processings.replace([owned('a-processing', 'uid-a')]);
    notifications.replace([]);
    retention.requestsListing();
    notifications.upsert(notification('a-success', 'uid-a'));
    clock.increment(GRACE * 2);
    expect(names(processings)).to.deep.equal(['a-processing']);
    expect(names(notifications)).to.deep.equal(['a-success']);
  });

  it('holds no more than the children of the grace period: 10,000 strays leave nothing behind', function () {
    const { clock, notifications, start, retention } = setup();
    start([[], []], []);
    for (let i = 0; i < 10_000; i++) {
      notifications.upsert(notification(`stray-${i}`, `uid-${i}`));
      if (i % 100 === 99) clock.increment(GRACE / 10);
    }
    expect(notifications.size).to.be.at.most(1_100);
    clock.increment(GRACE);
    expect(notifications.size).to.equal(0);
    expect(retention.waitingCount).to.equal(0);
  });
});
