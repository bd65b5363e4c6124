/**
 * Reader threads for the SQLite store: searches run their SQL there, off the main thread, so
 * that several run at once and the main thread meanwhile parses, checks and serialises other
 * requests. Queries go to the least busy thread. Threads start on demand: the first once queries
 * have taken `startAfterMs` on the fallback (the main thread's connection), so that a store
 * opened for a few queries (tests, CLI commands) starts none; another whenever every started
 * one is busy. Until a thread is ready, queries run on the fallback: none waits for a thread to
 * start. Idle threads keep no process alive.
 */
import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { PRAGMAS } from './configure.ts';
import type { ReaderRequest, ReaderResponse } from './reader-protocol.ts';

export type Query = (kind: 'get' | 'all', sql: string, params: unknown[]) => Promise<unknown>;

interface Waiting {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** The same error class, message and code as the query would have thrown on this thread. */
const sqliteError = (e: { message: string; code?: string }): Error => new Database.SqliteError(e.message, e.code ?? 'SQLITE_ERROR');

class Reader {
  private readonly worker: Worker;
  private next = 0;
  private readonly waiting = new Map<number, Waiting>();
  ready = false;
  /** Set when the thread failed or exited: it takes no more queries. */
  dead = false;
  /** Settles when the thread is ready, or dead. */
  readonly started: Promise<void>;
  private settle!: () => void;

  constructor(path: string, onDead: (r: Reader) => void) {
    this.started = new Promise((resolve) => (this.settle = resolve));
    // plain JavaScript: without this process's flags (`node --import tsx` would load tsx there too, 200 ms)
    this.worker = new Worker(new URL('./reader-thread.mjs', import.meta.url), { workerData: { path, pragmas: PRAGMAS }, execArgv: [] });
    this.worker.on('message', (res: ReaderResponse) => {
      if ('ready' in res) {
        if (res.ready) this.ready = true;
        else this.fail(sqliteError(res.error), onDead);
        this.settle();
        return;
      }
      const w = this.waiting.get(res.id);
      this.waiting.delete(res.id);
      if (this.waiting.size === 0) this.worker.unref();
      if ('error' in res) w?.reject(sqliteError(res.error));
      else w?.resolve(res.result);
    });
    this.worker.on('error', (err) => this.fail(err, onDead));
    this.worker.on('exit', () => this.fail(new Error('The SQLite reader thread exited'), onDead));
    this.worker.unref();
  }

  /** Settles when the thread is ready or dead, keeping the process alive meanwhile. */
  async whenStarted(): Promise<void> {
    this.worker.ref();
    await this.started;
    if (this.waiting.size === 0) this.worker.unref();
  }

  /** Queries sent and not yet answered. */
  get busy(): number {
    return this.waiting.size;
  }

  query(kind: 'get' | 'all', sql: string, params: unknown[]): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      // structured clone keeps ±Infinity (open date ranges) both ways, which JSON would not
      this.worker.postMessage({ id, kind, sql, params } satisfies ReaderRequest); // throws (and so rejects) for a value it cannot copy
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
    });
  }

  private fail(err: Error, onDead: (r: Reader) => void): void {
    if (this.dead) return;
    this.dead = true;
    this.settle();
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    onDead(this);
    void this.worker.terminate();
  }

  async close(): Promise<void> {
    this.dead = true;
    this.settle();
    await this.worker.terminate();
    for (const w of this.waiting.values()) w.reject(new Error('The SQLite store is closed'));
    this.waiting.clear();
  }
}

export interface PoolOptions {
  /** The most reader threads (at least 1). */
  size: number;
  /** Runs a query on this thread while no reader is ready, and after close. */
  fallback: Query;
  /** Milliseconds of queries on the fallback before the first thread starts (default 100). */
  startAfterMs?: number;
}

export class ReaderPool {
  private readers: Reader[] = [];
  private closed = false;
  /** Set when a reader could not open the database: then every query runs on the fallback. */
  private broken = false;
  private readonly size: number;
  private readonly fallback: Query;
  /** Time the fallback has taken, until the first thread starts. */
  private spentMs = 0;
  private readonly startAfterMs: number;

  constructor(
    private readonly path: string,
    options: PoolOptions,
  ) {
    this.size = options.size;
    this.fallback = options.fallback;
    this.startAfterMs = options.startAfterMs ?? 100;
  }

  /** Runs a query on the least busy ready reader; when all are busy, starts another for the queries after this one. */
  readonly query: Query = (kind, sql, params) => {
    if (this.closed || this.broken) return this.fallback(kind, sql, params);
    if (!this.readers.length && this.spentMs < this.startAfterMs) {
      const t = performance.now();
      const result = this.fallback(kind, sql, params); // this thread's connection runs it before returning
      this.spentMs += performance.now() - t;
      return result;
    }
    let best: Reader | undefined;
    for (const r of this.readers) if (r.ready && (!best || r.busy < best.busy)) best = r;
    if ((!best || best.busy > 0) && this.readers.length < this.size && this.readers.every((r) => r.ready)) this.spawn();
    return best ? best.query(kind, sql, params) : this.fallback(kind, sql, params);
  };

  /** Starts every reader now rather than on demand; settles when they are ready (or failed to start). */
  async start(): Promise<void> {
    while (!this.closed && !this.broken && this.readers.length < this.size) this.spawn();
    await Promise.all(this.readers.map((r) => r.whenStarted()));
  }

  private spawn(): void {
    this.readers.push(
      new Reader(this.path, (dead) => {
        if (!dead.ready) this.broken = true; // not a passing failure: do not start thread after thread
        this.readers = this.readers.filter((r) => r !== dead);
      }),
    );
  }

  /** Reader threads started (ready or starting). */
  get started(): number {
    return this.readers.length;
  }

  /** Reader threads ready for queries. */
  get ready(): number {
    return this.readers.filter((r) => r.ready).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    const readers = this.readers;
    this.readers = [];
    await Promise.all(readers.map((r) => r.close()));
  }
}
