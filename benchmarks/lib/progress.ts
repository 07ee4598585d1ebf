// Live counters on stderr while a run goes: a redrawn bar on a terminal, a line every 5 s otherwise.

export interface Counters {
  created: number;
  pickedUp: number;
  finished: number;
  total: number;
  orchestratorRssMb?: number;
  elapsedS: number;
}

export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private readonly tty = process.stderr.isTTY === true;
  private lastFinished = 0;
  private lastAt = 0;
  private rate = 0;

  constructor(
    private readonly label: string,
    private readonly read: () => Counters,
    private readonly enabled = true,
  ) {}

  start(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => this.draw(false), this.tty ? 250 : 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.enabled) this.draw(true);
  }

  private draw(final: boolean): void {
    const c = this.read();
    if (c.elapsedS - this.lastAt >= 1) {
      this.rate = (c.finished - this.lastFinished) / (c.elapsedS - this.lastAt);
      this.lastFinished = c.finished;
      this.lastAt = c.elapsedS;
    }
    const width = 24;
    const filled = c.total > 0 ? Math.round((c.finished / c.total) * width) : 0;
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const rss = c.orchestratorRssMb === undefined ? '' : ` rss ${c.orchestratorRssMb.toFixed(0)}MB`;
    const line = `${this.label} ${bar} created ${c.created}/${c.total} picked ${c.pickedUp} done ${c.finished} (${this.rate.toFixed(0)}/s)${rss} ${c.elapsedS.toFixed(0)}s`;
    if (this.tty) process.stderr.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  }
}
