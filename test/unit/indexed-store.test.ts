// The informer's store and indexes, through the calls of its list and watch paths (replace,
// upsert, remove), without a server: objects by namespace and name, index values to the objects.
import { expect } from 'chai';
import { IndexedStore, type KubeObject, type StoreEventType } from '../../src/k8s/indexed-store.js';

type Obj = KubeObject & { owner?: string };

function makeStore(): { store: IndexedStore<Obj>; events: [StoreEventType, string, string | undefined][] } {
  const events: [StoreEventType, string, string | undefined][] = [];
  const store = new IndexedStore<Obj>({ owner: (o) => (o.owner ? [o.owner] : []) }, (type, o, previous) =>
    events.push([
      type,
      `${o.metadata?.namespace}/${o.metadata?.name}@${o.metadata?.resourceVersion}`,
      previous?.metadata?.resourceVersion,
    ]),
  );
  return { store, events };
}

const obj = (namespace: string, name: string, rv: string, owner?: string): Obj => ({
  metadata: { namespace, name, resourceVersion: rv },
  owner,
});
const names = (os: Obj[]): string[] => os.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`);

describe("indexed store (the informer's objects and indexes)", function () {
  it('keeps objects by namespace and name: the same name in two namespaces is two objects', function () {
    const { store } = makeStore();
    store.replace([obj('a', 'x', '1', 'u1'), obj('b', 'x', '2', 'u1'), obj('a', 'y', '3', 'u2')]);
    expect(store.size).to.equal(3);
    expect(store.get('a', 'x')?.metadata?.resourceVersion).to.equal('1');
    expect(store.get('b', 'x')?.metadata?.resourceVersion).to.equal('2');
    expect(store.get('c', 'x')).to.equal(undefined);
    expect(store.get(undefined, 'x')).to.equal(undefined);
    expect(names(store.list()).sort()).to.deep.equal(['a/x', 'a/y', 'b/x']);
    expect(names(store.byIndex('owner', 'u1')).sort()).to.deep.equal(['a/x', 'b/x']);
    expect(names(store.byIndex('owner', 'u2'))).to.deep.equal(['a/y']);
    expect(store.byIndex('owner', 'u3')).to.deep.equal([]);
    expect(store.byIndex('other', 'u1')).to.deep.equal([]);
  });

  it('a cluster-scoped object (no namespace) is found with namespace undefined', function () {
    const { store } = makeStore();
    store.upsert({ metadata: { name: 'n', resourceVersion: '1' } });
    expect(store.get(undefined, 'n')?.metadata?.name).to.equal('n');
    expect(store.size).to.equal(1);
  });

  it('moves a modified object between index values, ignores a same resourceVersion, and reports each change', function () {
    const { store, events } = makeStore();
    store.upsert(obj('a', 'x', '1', 'u1'));
    store.upsert(obj('a', 'y', '1', 'u1'));
    store.upsert(obj('a', 'x', '1', 'u2'));
    expect(names(store.byIndex('owner', 'u1'))).to.deep.equal(['a/x', 'a/y']);
    store.upsert(obj('a', 'x', '2', 'u2'));
    expect(names(store.byIndex('owner', 'u1'))).to.deep.equal(['a/y']);
    expect(names(store.byIndex('owner', 'u2'))).to.deep.equal(['a/x']);
    store.upsert(obj('a', 'z', '3', 'u2'));
    store.upsert(obj('a', 'x', '4', 'u2'));
    // A modified object goes last, as a Set's delete then add did.
    expect(names(store.byIndex('owner', 'u2'))).to.deep.equal(['a/z', 'a/x']);
    expect(store.byIndex('owner', 'u2')[1]?.metadata?.resourceVersion).to.equal('4');
    expect(store.size).to.equal(3);
    expect(events).to.deep.equal([
      ['added', 'a/x@1', undefined],
      ['added', 'a/y@1', undefined],
      ['modified', 'a/x@2', '1'],
      ['added', 'a/z@3', undefined],
      ['modified', 'a/x@4', '2'],
    ]);
  });

  it('removes from the store and every index value, and a byIndex result is a copy', function () {
    const { store, events } = makeStore();
    store.replace([obj('a', 'x', '1', 'u1'), obj('a', 'y', '1', 'u1'), obj('a', 'z', '1', 'u1')]);
    const listed = store.byIndex('owner', 'u1');
    listed.length = 0;
    expect(store.byIndex('owner', 'u1')).to.have.length(3);
    store.remove(obj('a', 'y', '2'));
    expect(names(store.byIndex('owner', 'u1'))).to.deep.equal(['a/x', 'a/z']);
    store.remove(obj('a', 'x', '2'));
    expect(names(store.byIndex('owner', 'u1'))).to.deep.equal(['a/z']);
    store.remove(obj('a', 'z', '2'));
    expect(store.byIndex('owner', 'u1')).to.deep.equal([]);
    store.remove(obj('a', 'z', '3'));
    expect(store.size).to.equal(0);
    expect(store.list()).to.deep.equal([]);
    expect(events.filter(([t]) => t === 'deleted').map(([, o, prev]) => [o, prev])).to.deep.equal([
      ['a/y@2', '1'],
      ['a/x@2', '1'],
      ['a/z@2', '1'],
    ]);
  });

  it('a relist deletes what is gone, in any namespace, and keeps what is still there', function () {
    const { store, events } = makeStore();
    store.replace([obj('a', 'x', '1', 'u1'), obj('b', 'x', '1', 'u1'), obj('b', 'y', '1', 'u2')]);
    events.length = 0;
    store.replace([obj('b', 'x', '1', 'u1'), obj('c', 'x', '5', 'u1')]);
    expect(names(store.list()).sort()).to.deep.equal(['b/x', 'c/x']);
    expect(store.size).to.equal(2);
    expect(names(store.byIndex('owner', 'u1')).sort()).to.deep.equal(['b/x', 'c/x']);
    expect(store.byIndex('owner', 'u2')).to.deep.equal([]);
    expect(events.map(([t, o]) => `${t} ${o}`).sort()).to.deep.equal([
      'added c/x@5',
      'deleted a/x@1',
      'deleted b/y@1',
    ]);
  });

  it('forget drops the stored object and its index entries, telling no one; a later version is stored again', function () {
    const { store, events } = makeStore();
    store.replace([obj('a', 'x', '1', 'u1'), obj('a', 'y', '1', 'u2')]);
    events.length = 0;
    const x = store.get('a', 'x')!;
    expect(store.forget(obj('a', 'x', '1', 'u1'))).to.equal(false, 'only the object stored is forgotten');
    expect(store.forget(x)).to.equal(true);
    expect(store.forget(x)).to.equal(false);
    expect(store.get('a', 'x')).to.equal(undefined);
    expect(store.size).to.equal(1);
    expect(store.byIndex('owner', 'u1')).to.deep.equal([]);
    expect(store.indexedValues('owner')).to.equal(1);
    expect(events).to.deep.equal([]);
    store.upsert(obj('a', 'x', '2', 'u1'));
    expect(events).to.deep.equal([['added', 'a/x@2', undefined]]);
  });

  it('never stores what admit refuses, and reports a stored object deleted when its new version is refused', function () {
    const events: [StoreEventType, string][] = [];
    const store = new IndexedStore<Obj>(
      { owner: (o) => (o.owner ? [o.owner] : []) },
      (type, o) => events.push([type, `${o.metadata?.name}@${o.metadata?.resourceVersion}`]),
      (o) => o.owner !== undefined,
    );
    store.replace([obj('a', 'x', '1', 'u1'), obj('a', 'stray', '1')]);
    expect(names(store.list())).to.deep.equal(['a/x']);
    store.upsert(obj('a', 'other', '2'));
    expect(store.size).to.equal(1);
    store.upsert(obj('a', 'x', '3'));
    expect(store.size).to.equal(0);
    expect(store.indexedValues('owner')).to.equal(0);
    expect(events).to.deep.equal([
      ['added', 'x@1'],
      ['deleted', 'x@1'],
    ]);
  });
});
