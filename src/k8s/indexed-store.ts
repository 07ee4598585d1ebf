// The store behind an informer: objects by namespace and name, secondary indexes from a value (an
// owner's UID, say) to the objects themselves, and one callback per change. Optionally a filter on
// what it keeps at all, like a label selector on the client side. No I/O: the informer's list and
// watch loop (informer.ts) feeds it.
import type { V1ObjectMeta } from '@kubernetes/client-node';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
}

export type StoreEventType = 'added' | 'modified' | 'deleted';
export type StoreListener<T> = (type: StoreEventType, object: T, previous: T | undefined) => void;
export type Indexer<T> = (object: T) => readonly string[];
/** Whether the store keeps an object at all. */
export type Admission<T> = (object: T) => boolean;

export class IndexedStore<T extends KubeObject> {
  // By namespace, then name: the name and namespace strings are the object's own, where a
  // `namespace/name` key would be a new string per object (and another in every index).
  private readonly objects = new Map<string, Map<string, T>>();
  private count = 0;
  // Index value -> the object, or its objects when several: most values (an owner's UID per kind)
  // have one, and a Set per value cost more than the object's projection of some kinds.
  private readonly indexes = new Map<string, Map<string, T | T[]>>();

  /**
   * `onChange` is told of every object added, modified (a new resourceVersion) or deleted. An object
   * `admit` refuses is never stored; one stored whose new version it refuses is deleted, as a watch
   * with a label selector reports an object that stops matching.
   */
  constructor(
    private readonly indexers: Record<string, Indexer<T>> = {},
    private readonly onChange: StoreListener<T> = () => undefined,
    private readonly admit: Admission<T> = () => true,
  ) {
    for (const name of Object.keys(indexers)) this.indexes.set(name, new Map());
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.objects.get(namespace ?? '')?.get(name);
  }

  list(): T[] {
    const out: T[] = [];
    for (const names of this.objects.values()) for (const o of names.values()) out.push(o);
    return out;
  }

  get size(): number {
    return this.count;
  }

  /** How many values of the index `index` have objects stored under them. */
  indexedValues(index: string): number {
    return this.indexes.get(index)?.size ?? 0;
  }

  /** The objects stored under `value` of the index `index`, as a fresh array. */
  byIndex(index: string, value: string): T[] {
    const entry = this.indexes.get(index)?.get(value);
    if (entry === undefined) return [];
    return Array.isArray(entry) ? [...entry] : [entry];
  }

  /** Replaces the contents with a fresh list: deletes what is gone, reports what changed. */
  replace(items: T[]): void {
    const seen = new Map<string, Set<string>>();
    for (const item of items) {
      if (!this.admit(item)) continue;
      const namespace = item.metadata?.namespace ?? '';
      let names = seen.get(namespace);
      if (!names) seen.set(namespace, (names = new Set()));
      names.add(item.metadata?.name ?? '');
      this.upsert(item);
    }
    for (const [namespace, names] of this.objects) {
      for (const [name, old] of names) if (!seen.get(namespace)?.has(name)) this.remove(old);
    }
  }

  /** Adds or replaces an object; one with the resourceVersion already stored changes nothing. */
  upsert(object: T): void {
    if (!this.admit(object)) {
      const stored = this.get(object.metadata?.namespace, object.metadata?.name ?? '');
      if (stored) this.remove(stored);
      return;
    }
    const namespace = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    let names = this.objects.get(namespace);
    const previous = names?.get(name);
    if (previous && previous.metadata?.resourceVersion === object.metadata?.resourceVersion) return;
    if (previous) this.unindex(previous);
    if (!names) this.objects.set(namespace, (names = new Map<string, T>()));
    names.set(name, object);
    if (!previous) this.count++;
    this.index(object);
    this.onChange(previous ? 'modified' : 'added', object, previous);
  }

  /** Deletes the object of that namespace and name, if stored. */
  remove(object: T): void {
    const namespace = object.metadata?.namespace ?? '';
    const names = this.objects.get(namespace);
    const previous = names?.get(object.metadata?.name ?? '');
    if (!names || !previous) return;
    names.delete(object.metadata?.name ?? '');
    if (names.size === 0) this.objects.delete(namespace);
    this.count--;
    this.unindex(previous);
    this.onChange('deleted', object, previous);
  }

  /**
   * Drops `object` itself, if it is the one stored under its name, telling no one: for a cache that
   * no longer needs it, while it still exists on the server. A later version of it is stored again.
   */
  forget(object: T): boolean {
    const namespace = object.metadata?.namespace ?? '';
    const names = this.objects.get(namespace);
    const name = object.metadata?.name ?? '';
    if (!names || names.get(name) !== object) return false;
    names.delete(name);
    if (names.size === 0) this.objects.delete(namespace);
    this.count--;
    this.unindex(object);
    return true;
  }

  private index(object: T): void {
    for (const [name, indexer] of Object.entries(this.indexers)) {
      const index = this.indexes.get(name)!;
      for (const value of indexer(object)) {
        const entry = index.get(value);
        if (entry === undefined) index.set(value, object);
        else if (entry === object) continue;
        else if (Array.isArray(entry)) {
          if (!entry.includes(object)) entry.push(object);
        } else index.set(value, [entry, object]);
      }
    }
  }

  /** Takes out `object` itself (the one stored): the indexers give the values it was indexed under. */
  private unindex(object: T): void {
    for (const [name, indexer] of Object.entries(this.indexers)) {
      const index = this.indexes.get(name)!;
      for (const value of indexer(object)) {
        const entry = index.get(value);
        if (entry === object) index.delete(value);
        else if (Array.isArray(entry)) {
          const at = entry.indexOf(object);
          if (at >= 0) entry.splice(at, 1);
          if (entry.length === 1) index.set(value, entry[0]!);
          else if (entry.length === 0) index.delete(value);
        }
      }
    }
  }
}
