/** A min-heap of (time, key) with lazy removal: the retention schedule of finished requests. */
export class DeadlineHeap {
  private readonly heap: { at: number; key: string }[] = [];
  private readonly current = new Map<string, number>();

  get size(): number {
    return this.current.size;
  }

  set(key: string, at: number): void {
    this.current.set(key, at);
    this.heap.push({ at, key });
    this.up(this.heap.length - 1);
  }

  delete(key: string): void {
    this.current.delete(key);
  }

  /** The earliest live entry, if any (stale ones are dropped on the way). */
  peek(): { at: number; key: string } | undefined {
    while (this.heap.length) {
      const top = this.heap[0]!;
      if (this.current.get(top.key) === top.at) return top;
      this.pop();
    }
    return undefined;
  }

  /** Removes and returns every live entry due at or before `now`. */
  takeDue(now: number): string[] {
    const due: string[] = [];
    for (let top = this.peek(); top && top.at <= now; top = this.peek()) {
      this.pop();
      this.current.delete(top.key);
      due.push(top.key);
    }
    return due;
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.at < h[m]!.at) m = l;
      if (r < h.length && h[r]!.at < h[m]!.at) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}
