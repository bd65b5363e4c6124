/**
 * Group commit: rows queued by many callers are written together, one database transaction per
 * batch, and each caller's promise settles when its batch has committed (or failed). While a batch
 * commits, the next one gathers, so batches grow with the load and an idle server writes each
 * event at once. A batch that fails is retried event by event, so one bad event cannot refuse
 * the others.
 */
export interface GroupCommitOptions<T> {
  /** Writes one batch in one transaction; resolves once it is durable. */
  write(items: T[]): Promise<void>;
  maxBatch: number;
  maxDelayMs: number;
  concurrency: number;
}

interface Waiting<T> {
  item: T;
  resolve(): void;
  reject(err: unknown): void;
}

export class GroupCommit<T> {
  private queue: Waiting<T>[] = [];
  private running = 0;
  private timer: { kind: 'timeout'; handle: NodeJS.Timeout } | { kind: 'immediate'; handle: NodeJS.Immediate } | undefined;
  private readonly idle: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: GroupCommitOptions<T>) {}

  add(item: T): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The audit log is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Writes everything queued and resolves when nothing is left in flight; refuses new items. */
  async close(): Promise<void> {
    this.closed = true;
    this.schedule(true);
    if (this.queue.length || this.running) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private schedule(now = false): void {
    if (!this.queue.length || this.running >= this.opts.concurrency) return;
    if (this.queue.length >= this.opts.maxBatch || now) {
      this.clearTimer();
      void this.flush();
      return;
    }
    if (this.timer) return;
    const run = () => {
      this.timer = undefined;
      void this.flush();
    };
    this.timer = this.opts.maxDelayMs > 0 ? { kind: 'timeout', handle: setTimeout(run, this.opts.maxDelayMs) } : { kind: 'immediate', handle: setImmediate(run) };
  }

  private clearTimer(): void {
    if (!this.timer) return;
    if (this.timer.kind === 'timeout') clearTimeout(this.timer.handle);
    else clearImmediate(this.timer.handle);
    this.timer = undefined;
  }

  private async flush(): Promise<void> {
    if (!this.queue.length || this.running >= this.opts.concurrency) return;
    const batch = this.queue.splice(0, this.opts.maxBatch);
    this.running++;
    try {
      await this.writeAll(batch);
    } finally {
      this.running--;
      if (this.queue.length) this.schedule(this.closed || this.queue.length >= this.opts.maxBatch || this.opts.maxDelayMs <= 0);
      else if (!this.running) for (const done of this.idle.splice(0)) done();
    }
  }

  private async writeAll(batch: Waiting<T>[]): Promise<void> {
    try {
      await this.opts.write(batch.map((w) => w.item));
      for (const w of batch) w.resolve();
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      for (const w of batch) {
        try {
          await this.opts.write([w.item]);
          w.resolve();
        } catch (one) {
          w.reject(one);
        }
      }
    }
  }
}
