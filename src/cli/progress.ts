/** A one-line progress display on stderr (plain lines when stderr is not a terminal). */
export class Progress {
  private lastDraw = 0;
  private readonly started = Date.now();
  constructor(private readonly total: number, private readonly unit: string) {}

  update(done: number, resources: number, failures: number): void {
    const now = Date.now();
    if (now - this.lastDraw < 200 && done < this.total) return;
    this.lastDraw = now;
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? Math.round(resources / secs) : 0;
    const width = 30;
    const filled = this.total ? Math.round((done / this.total) * width) : width;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${this.total} ${this.unit}, ${resources} resources, ${rate}/s${failures ? `, ${failures} failed` : ''}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
    else if (done === this.total || now - this.started > 0) process.stderr.write(`${line}\n`);
  }

  finish(): void {
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}
