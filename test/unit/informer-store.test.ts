// The informer's store and indexes, through its list and watch paths (replace, upsert, remove),
// without a server: objects by namespace and name, index values to the objects themselves.
import { expect } from 'chai';
import { KubeConfig } from '@kubernetes/client-node';
import { Informer, type InformerEventType, type KubeObject } from '../../src/k8s/informer.js';
import { systemClock } from '../../src/util/clock.js';

type Obj = KubeObject & { owner?: string };
interface Internals {
  replace(items: Obj[]): void;
  upsert(o: Obj): void;
  remove(o: Obj): void;
}

function informer(): {
  inf: Informer<Obj>;
  internals: Internals;
  events: [InformerEventType, string, string | undefined][];
} {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'none', server: 'http://127.0.0.1:9' }],
    users: [{ name: 'none' }],
    contexts: [{ name: 'none', cluster: 'none', user: 'none' }],
    currentContext: 'none',
  });
  const inf = new Informer<Obj>({
    kubeConfig: kc,
    resource: { group: 'g', version: 'v1', plural: 'things' },
    clock: systemClock,
    backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    indexers: { owner: (o) => (o.owner ? [o.owner] : []) },
  });
  const events: [InformerEventType, string, string | undefined][] = [];
  inf.on((type, o, previous) =>
    events.push([
      type,
      `${o.metadata?.namespace}/${o.metadata?.name}@${o.metadata?.resourceVersion}`,
      previous?.metadata?.resourceVersion,
    ]),
  );
  return { inf, internals: inf as unknown as Internals, events };
}

const obj = (namespace: string, name: string, rv: string, owner?: string): Obj => ({
  metadata: { namespace, name, resourceVersion: rv },
  owner,
});
const names = (os: Obj[]): string[] => os.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`);

describe('informer store and indexes', function () {
  it('keeps objects by namespace and name: the same name in two namespaces is two objects', function () {
    const { inf, internals } = informer();
    internals.replace([obj('a', 'x', '1', 'u1'), obj('b', 'x', '2', 'u1'), obj('a', 'y', '3', 'u2')]);
    expect(inf.size).to.equal(3);
    expect(inf.get('a', 'x')?.metadata?.resourceVersion).to.equal('1');
    expect(inf.get('b', 'x')?.metadata?.resourceVersion).to.equal('2');
    expect(inf.get('c', 'x')).to.equal(undefined);
    expect(inf.get(undefined, 'x')).to.equal(undefined);
    expect(names(inf.list()).sort()).to.deep.equal(['a/x', 'a/y', 'b/x']);
    expect(names(inf.byIndex('owner', 'u1')).sort()).to.deep.equal(['a/x', 'b/x']);
    expect(names(inf.byIndex('owner', 'u2'))).to.deep.equal(['a/y']);
    expect(inf.byIndex('owner', 'u3')).to.deep.equal([]);
    expect(inf.byIndex('other', 'u1')).to.deep.equal([]);
  });

  it('a cluster-scoped object (no namespace) is found with namespace undefined', function () {
    const { inf, internals } = informer();
    internals.upsert({ metadata: { name: 'n', resourceVersion: '1' } });
    expect(inf.get(undefined, 'n')?.metadata?.name).to.equal('n');
    expect(inf.size).to.equal(1);
  });

  it('moves a modified object between index values, ignores a same resourceVersion, and reports each change', function () {
    const { inf, internals, events } = informer();
    internals.upsert(obj('a', 'x', '1', 'u1'));
    internals.upsert(obj('a', 'y', '1', 'u1'));
    internals.upsert(obj('a', 'x', '1', 'u2'));
    expect(names(inf.byIndex('owner', 'u1'))).to.deep.equal(['a/x', 'a/y']);
    internals.upsert(obj('a', 'x', '2', 'u2'));
    expect(names(inf.byIndex('owner', 'u1'))).to.deep.equal(['a/y']);
    expect(names(inf.byIndex('owner', 'u2'))).to.deep.equal(['a/x']);
    internals.upsert(obj('a', 'z', '3', 'u2'));
    internals.upsert(obj('a', 'x', '4', 'u2'));
    // A modified object goes last, as a Set's delete then add did.
    expect(names(inf.byIndex('owner', 'u2'))).to.deep.equal(['a/z', 'a/x']);
    expect(inf.byIndex('owner', 'u2')[1]?.metadata?.resourceVersion).to.equal('4');
    expect(inf.size).to.equal(3);
    expect(events).to.deep.equal([
      ['added', 'a/x@1', undefined],
      ['added', 'a/y@1', undefined],
      ['modified', 'a/x@2', '1'],
      ['added', 'a/z@3', undefined],
      ['modified', 'a/x@4', '2'],
    ]);
  });

  it('removes from the store and every index value, and a byIndex result is a copy', function () {
    const { inf, internals, events } = informer();
    internals.replace([obj('a', 'x', '1', 'u1'), obj('a', 'y', '1', 'u1'), obj('a', 'z', '1', 'u1')]);
    const listed = inf.byIndex('owner', 'u1');
    listed.length = 0;
    expect(inf.byIndex('owner', 'u1')).to.have.length(3);
    internals.remove(obj('a', 'y', '2'));
    expect(names(inf.byIndex('owner', 'u1'))).to.deep.equal(['a/x', 'a/z']);
    internals.remove(obj('a', 'x', '2'));
    expect(names(inf.byIndex('owner', 'u1'))).to.deep.equal(['a/z']);
    internals.remove(obj('a', 'z', '2'));
    expect(inf.byIndex('owner', 'u1')).to.deep.equal([]);
    internals.remove(obj('a', 'z', '3'));
    expect(inf.size).to.equal(0);
    expect(inf.list()).to.deep.equal([]);
    expect(events.filter(([t]) => t === 'deleted').map(([, o, prev]) => [o, prev])).to.deep.equal([
      ['a/y@2', '1'],
      ['a/x@2', '1'],
      ['a/z@2', '1'],
    ]);
  });

  it('a relist deletes what is gone, in any namespace, and keeps what is still there', function () {
    const { inf, internals, events } = informer();
    internals.replace([obj('a', 'x', '1', 'u1'), obj('b', 'x', '1', 'u1'), obj('b', 'y', '1', 'u2')]);
    events.length = 0;
    internals.replace([obj('b', 'x', '1', 'u1'), obj('c', 'x', '5', 'u1')]);
    expect(names(inf.list()).sort()).to.deep.equal(['b/x', 'c/x']);
    expect(inf.size).to.equal(2);
    expect(names(inf.byIndex('owner', 'u1')).sort()).to.deep.equal(['b/x', 'c/x']);
    expect(inf.byIndex('owner', 'u2')).to.deep.equal([]);
    expect(events.map(([t, o]) => `${t} ${o}`).sort()).to.deep.equal([
      'added c/x@5',
      'deleted a/x@1',
      'deleted b/y@1',
    ]);
  });
});
