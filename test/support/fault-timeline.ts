// The record of a fault-injection test: what the harness did (faults) and what it saw (leader
// changes, replica exits, progress), with the time since the start, printed at the end.

export interface TimelineEntry {
  at: number;
  kind: 'fault' | 'seen';
  text: string;
}

export class FaultTimeline {
  readonly started = Date.now();
  readonly entries: TimelineEntry[] = [];

  fault(text: string): void {
    this.entries.push({ at: Date.now(), kind: 'fault', text });
  }

  seen(text: string): void {
    this.entries.push({ at: Date.now(), kind: 'seen', text });
  }

  /** Seconds since the start, for messages. */
  since(at: number = Date.now()): string {
    return `+${((at - this.started) / 1000).toFixed(1)}s`;
  }

  faults(): TimelineEntry[] {
    return this.entries.filter((e) => e.kind === 'fault');
  }

  format(): string {
    return this.entries
      .map((e) => `${this.since(e.at).padStart(8)}  ${e.kind === 'fault' ? 'FAULT' : '     '}  ${e.text}`)
      .join('\n');
  }
}
