// An SQLite reader thread (see reader-pool.ts): one read-only connection, configured like the
// others (the pragmas come from configure.ts as workerData), answering queries one at a time.
// Each statement runs in its own read transaction, so it sees every transaction committed before
// it was sent (WAL). Plain JavaScript, unlike the rest of Meridian: a thread that loads tsx takes
// about 250 ms of CPU to start, this one about 40. Messages: reader-protocol.ts.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ path: string; pragmas: string[] }} */
const { path, pragmas } = workerData;
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const errorOf = (/** @type {any} */ err) => ({ message: String(err?.message ?? err), code: err?.code });

/** @type {Map<string, import('better-sqlite3').Statement>} prepared statements by SQL text, bounded: search queries vary without limit */
const statements = new Map();
/** @type {import('better-sqlite3').Database} */
let db;
try {
  db = new Database(path, { readonly: true, fileMustExist: true });
  for (const p of pragmas) db.pragma(p);
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: errorOf(err) });
}

port.on('message', (/** @type {import('./reader-protocol.ts').ReaderRequest} */ req) => {
  try {
    let s = statements.get(req.sql);
    if (!s) {
      if (statements.size >= 1000) statements.clear();
      statements.set(req.sql, (s = db.prepare(req.sql)));
    }
    port.postMessage({ id: req.id, result: req.kind === 'get' ? s.get(...req.params) : s.all(...req.params) });
  } catch (err) {
    port.postMessage({ id: req.id, error: errorOf(err) });
  }
});
