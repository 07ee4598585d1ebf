import { expect } from 'chai';
import { DeadlineHeap } from '../../src/supervisor/index.js';

/** A heap holding `entries` (key, at), added in the given order. */
function heapOf(...entries: [string, number][]): DeadlineHeap {
  const heap = new DeadlineHeap();
  for (const [key, at] of entries) heap.set(key, at);
  return heap;
}

describe('DeadlineHeap: the retention schedule', function () {
  it('is empty at first', function () {
    const heap = new DeadlineHeap();
    expect(heap.size).to.equal(0);
    expect(heap.peek()).to.equal(undefined);
    expect(heap.takeDue(Number.MAX_SAFE_INTEGER)).to.deep.equal([]);
  });

  it('peeks at the earliest entry whatever the insertion order', function () {
    expect(heapOf(['c', 30], ['a', 10], ['b', 20]).peek()).to.deep.equal({ key: 'a', at: 10 });
    expect(heapOf(['a', 10], ['b', 20], ['c', 30]).peek()).to.deep.equal({ key: 'a', at: 10 });
  });

  it('takes every entry due at or before now, earliest first, and leaves the rest', function () {
    const heap = heapOf(['e', 50], ['b', 20], ['d', 40], ['a', 10], ['c', 30]);
    expect(heap.takeDue(9)).to.deep.equal([]);
    expect(heap.takeDue(30)).to.deep.equal(['a', 'b', 'c']);
    expect(heap.size).to.equal(2);
    expect(heap.peek()).to.deep.equal({ key: 'd', at: 40 });
    expect(heap.takeDue(100)).to.deep.equal(['d', 'e']);
    expect(heap.size).to.equal(0);
  });

  it('moves an entry that is set again, keeping only its latest time', function () {
    const heap = heapOf(['a', 10], ['b', 20]);
    heap.set('a', 25);
    expect(heap.size).to.equal(2);
    expect(heap.peek()).to.deep.equal({ key: 'b', at: 20 });
    expect(heap.takeDue(100)).to.deep.equal(['b', 'a']);
    heap.set('c', 50);
    heap.set('c', 5);
    expect(heap.takeDue(10)).to.deep.equal(['c']);
    expect(heap.takeDue(100)).to.deep.equal([]);
  });

  it('forgets a deleted entry', function () {
    const heap = heapOf(['a', 10], ['b', 20]);
    heap.delete('a');
    heap.delete('missing');
    expect(heap.size).to.equal(1);
    expect(heap.peek()).to.deep.equal({ key: 'b', at: 20 });
    expect(heap.takeDue(100)).to.deep.equal(['b']);
  });

  it('orders many entries correctly (against a sort)', function () {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647);
    const entries: [string, number][] = Array.from({ length: 200 }, (_, i) => [`k${i}`, random() % 1000]);
    const heap = heapOf(...entries);
    for (const [key] of entries.slice(0, 50)) heap.delete(key);
    const live = entries.slice(50);
    const due = heap.takeDue(500);
    const expected = live.filter(([, at]) => at <= 500);
    expect(due.map((k) => live.find(([key]) => key === k)![1])).to.deep.equal(
      expected.map(([, at]) => at).sort((a, b) => a - b),
    );
    expect(new Set(due)).to.deep.equal(new Set(expected.map(([key]) => key)));
    expect(heap.size).to.equal(live.length - expected.length);
  });
});
