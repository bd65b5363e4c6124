/** A one-line progress display on stderr: redrawn in place on a terminal, a plain line a second otherwise. */
export class Progress {
  private lastDraw = 0;
  private last: [number, number, number] = [0, 0, 0];
  private readonly started = Date.now();
  private readonly every = process.stderr.isTTY ? 200 : 1000;
  constructor(private readonly total: number, private readonly unit: string) {}

  update(done: number, resources: number, failures: number): void {
    this.last = [done, resources, failures];
    const now = Date.now();
    if (now - this.lastDraw < this.every) return;
    this.lastDraw = now;
    this.draw(now);
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    this.draw(Date.now());
    if (process.stderr.isTTY) process.stderr.write('\n');
  }

  private draw(now: number): void {
    const [done, resources, failures] = this.last;
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? Math.round(resources / secs) : 0;
    const width = 30;
    const filled = this.total ? Math.min(width, Math.round((done / this.total) * width)) : width;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total} ${this.unit}, ${resources} resources, ${rate}/s${failures ? `, ${failures} failed` : ''}`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
  }
}
