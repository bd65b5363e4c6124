// The SQLite checkpointer: a connection in a thread of its own (started by the writer thread, see
// writer-thread.ts), which copies committed WAL frames into the database file while the writer
// goes on writing. Each message asks for one PASSIVE checkpoint, which blocks neither the writer
// nor readers; the answer is its result, { busy, log, checkpointed }. Plain JavaScript, as
// reader-thread.mjs is, to start cheaply.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ path: string; pragmas: string[] }} */
const { path, pragmas } = workerData;
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

const db = new Database(path, { fileMustExist: true });
for (const p of pragmas) db.pragma(p);

port.on('message', () => {
  try {
    port.postMessage(db.pragma('wal_checkpoint(PASSIVE)')[0]);
  } catch (err) {
    port.postMessage({ error: String(/** @type {any} */ (err)?.message ?? err) });
  }
});
port.postMessage({ ready: true });
