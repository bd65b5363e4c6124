/**
 * Group commit: rows queued by many callers are written together, one database transaction per
 * batch. While a batch commits, the next one gathers, so batches grow with the load and an idle
 * server writes each event soon after it arrives. A caller either waits for its own row (`add`:
 * its batch is written at once, and the promise settles when it has committed or failed) or
 * hands it over and goes on (`push`: no promise per row, the batch gathers for `maxDelayMs`; its
 * outcome is reported to `settled`). A batch that fails
 * is retried row by row, so one bad row cannot refuse the others.
 */
export interface GroupCommitOptions<T> {
  /** Writes one batch in one transaction; resolves once it is durable. */
  write(items: T[]): Promise<void>;
  maxBatch: number;
  maxDelayMs: number;
  concurrency: number;
  /** Told after every write attempt whether it stored its rows (for callers that did not wait). */
  settled?(ok: boolean): void;
}

interface Queued<T> {
  item: T;
  /** Set for rows whose caller waits (`add`). */
  resolve?(): void;
  reject?(err: unknown): void;
}

export class GroupCommit<T> {
  private queue: Queued<T>[] = [];
  private running = 0;
  /** Rows handed over and not yet written or failed (queued and in flight). */
  private unsettled = 0;
  /** Queued rows whose caller waits. */
  private waiting = 0;
  private timer: { kind: 'timeout'; handle: NodeJS.Timeout } | { kind: 'immediate'; handle: NodeJS.Immediate } | undefined;
  private readonly idle: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: GroupCommitOptions<T>) {}

  /** Queues `item` and resolves once it is stored (rejects if it cannot be). */
  add(item: T): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The audit log is closed'));
    return new Promise<void>((resolve, reject) => this.enqueue({ item, resolve, reject }));
  }

  /** Queues `item` without waiting for it; false once closed. */
  push(item: T): boolean {
    if (this.closed) return false;
    this.enqueue({ item });
    return true;
  }

  /** Rows queued or being written. */
  get backlog(): number {
    return this.unsettled;
  }

  /** Resolves once every row queued so far has been written or has failed. */
  drain(): Promise<void> {
    if (!this.unsettled) return Promise.resolve();
    const drained = new Promise<void>((resolve) => this.idle.push(resolve));
    this.schedule(true);
    return drained;
  }

  /** Writes everything queued and resolves when nothing is left in flight; refuses new items. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private enqueue(q: Queued<T>): void {
    this.unsettled++;
    this.queue.push(q);
    if (q.resolve) this.waiting++;
    this.schedule();
  }

  /**
   * Starts a write now (a full batch, a drain), on the next turn of the event loop (a caller is
   * waiting: concurrent callers still share one batch), or after `maxDelayMs` (nobody waits).
   */
  private schedule(now = false): void {
    if (!this.queue.length || this.running >= this.opts.concurrency) return;
    if (now || this.closed || this.idle.length || this.queue.length >= this.opts.maxBatch) {
      this.clearTimer();
      void this.flush();
      return;
    }
    const delay = this.waiting ? 0 : this.opts.maxDelayMs;
    if (this.timer && (delay > 0 || this.timer.kind === 'immediate')) return;
    this.clearTimer();
    const run = () => {
      this.timer = undefined;
      void this.flush();
    };
    this.timer = delay > 0 ? { kind: 'timeout', handle: setTimeout(run, delay) } : { kind: 'immediate', handle: setImmediate(run) };
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
    for (const q of batch) if (q.resolve) this.waiting--;
    this.running++;
    try {
      await this.writeAll(batch);
    } finally {
      this.running--;
      this.unsettled -= batch.length;
      if (this.queue.length) this.schedule();
      else if (!this.running) for (const done of this.idle.splice(0)) done();
    }
  }

  private async write(items: T[]): Promise<void> {
    try {
      await this.opts.write(items);
    } catch (err) {
      this.opts.settled?.(false);
      throw err;
    }
    this.opts.settled?.(true);
  }

  private async writeAll(batch: Queued<T>[]): Promise<void> {
    try {
      await this.write(batch.map((q) => q.item));
      for (const q of batch) q.resolve?.();
    } catch (err) {
      if (batch.length === 1) return batch[0].reject?.(err);
      for (const q of batch) {
        try {
          await this.write([q.item]);
          q.resolve?.();
        } catch (one) {
          q.reject?.(one);
        }
      }
    }
  }
}
