/** The audit log on a real database: inside a write's transaction, and group-committed for reads. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuditLog, findAuditEvents } from '../../src/audit/index.ts';
import type { ResourceStore, StoreTx } from '../../src/storage/index.ts';
import { testStores } from '../helpers/stores.ts';
import { freshStore, input, OBSERVER } from './fixtures.ts';

/** Events naming `Patient/${patient}`, newest first. */
async function eventsOf(store: ResourceStore, patient: string) {
  const rows = await findAuditEvents(store, store.dialect, { criteria: [{ kind: 'reference', values: [`Patient/${patient}`] }], limit: 1000 });
  return rows.map((r) => JSON.parse(r.json));
}

/** `store` with its transactions counted (and optionally failing), for observing group commit. */
function watched(store: ResourceStore, opts: { poison?: string } = {}) {
  const seen = { transactions: 0, committed: 0 };
  const proxy: ResourceStore = Object.create(store, {
    transaction: {
      value: async <T>(fn: (tx: StoreTx) => Promise<T>) => {
        seen.transactions++;
        const result = await store.transaction((tx) =>
          fn(
            Object.create(tx, {
              run: {
                value: (q: { text: string; params: unknown[] }) => {
                  if (opts.poison && JSON.stringify(q.params).includes(opts.poison)) return Promise.reject(new Error('poisoned statement'));
                  return tx.run(q);
                },
              },
            }),
          ),
        );
        seen.committed++;
        return result;
      },
    },
  });
  return { proxy, seen };
}

for (const backend of testStores()) {
  describe(`audit log: ${backend.name}`, () => {
    const db = freshStore(backend);
    const log = () => createAuditLog(db.get(), { now: () => Date.now(), observer: OBSERVER });

    it('recordInTx commits the event with the write', async () => {
      const audit = log();
      await db.get().transaction((tx) => audit.recordInTx(tx, input({ patients: ['tx-commit'] })));
      const [event] = await eventsOf(db.get(), 'tx-commit');
      assert.match(event.id, /^\d+$/);
      assert.equal(event.subtype[0].code, 'read');
      await audit.close();
    });

    it('recordInTx rolls back with the write', async () => {
      const audit = log();
      await assert.rejects(
        db.get().transaction(async (tx) => {
          await audit.recordInTx(tx, input({ patients: ['tx-rollback'] }));
          throw new Error('the write failed');
        }),
        /the write failed/,
      );
      assert.deepEqual(await eventsOf(db.get(), 'tx-rollback'), []);
      await audit.close();
    });

    it('record() group-commits concurrent events in one transaction and resolves only once they are durable', async () => {
      const { proxy, seen } = watched(db.get());
      const audit = createAuditLog(proxy, { now: () => Date.now(), observer: OBSERVER });
      const pending = Array.from({ length: 40 }, (_, i) =>
        audit.record(input({ patients: [`batch-${i}`] })).then(() => assert.equal(seen.committed, seen.transactions, 'resolved before its transaction committed')),
      );
      await Promise.all(pending);
      assert.equal(seen.transactions, 1);
      for (let i = 0; i < 40; i += 13) {
        const [event] = await eventsOf(db.get(), `batch-${i}`); // a fresh read (on SQLite, another connection)
        assert.equal(event.entity[0].what.reference, `Patient/batch-${i}`);
      }
      await audit.close();
    });

    it('record() splits a large burst into batches of maxBatch, each event keeping its own references', async () => {
      const { proxy, seen } = watched(db.get());
      const audit = createAuditLog(proxy, { now: () => Date.now(), observer: OBSERVER, maxBatch: 150 });
      // 300 events of 1–3 patients each: chunked statements of several sizes, references mapped back to their own event
      await Promise.all(
        Array.from({ length: 300 }, (_, i) => audit.record(input({ patients: Array.from({ length: 1 + (i % 3) }, (_, k) => `burst-${i}-${k}`), recorded: 1_700_000_000_000 + i }))),
      );
      assert.ok(seen.transactions >= 2 && seen.transactions <= 3, `${seen.transactions} transactions`);
      for (const i of [0, 1, 2, 149, 150, 151, 255, 256, 257, 299]) {
        for (let k = 0; k < 1 + (i % 3); k++) {
          const events = await eventsOf(db.get(), `burst-${i}-${k}`);
          assert.equal(events.length, 1, `burst-${i}-${k}`);
          assert.equal(events[0].recorded, new Date(1_700_000_000_000 + i).toISOString());
          assert.deepEqual(events[0].entity.filter((e: any) => e.role.code === '1').map((e: any) => e.what.reference).sort(), Array.from({ length: 1 + (i % 3) }, (_, n) => `Patient/burst-${i}-${n}`).sort());
        }
      }
      await audit.close();
    });

    it('record() rejects an event that cannot be stored without refusing the rest of its batch', async () => {
      const { proxy } = watched(db.get(), { poison: 'poison-pill' });
      const audit = createAuditLog(proxy, { now: () => Date.now(), observer: OBSERVER });
      const results = await Promise.allSettled([
        audit.record(input({ patients: ['fine-1'] })),
        audit.record(input({ patients: ['fine-2'], breakGlass: { reason: 'poison-pill' } })),
        audit.record(input({ patients: ['fine-3'] })),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.equal((await eventsOf(db.get(), 'fine-1')).length, 1);
      assert.equal((await eventsOf(db.get(), 'fine-2')).length, 0);
      assert.equal((await eventsOf(db.get(), 'fine-3')).length, 1);
      await audit.close();
    });

    it('recordSoon() returns before its event is written, and flush() waits until it is', async () => {
      const { proxy, seen } = watched(db.get());
      const audit = createAuditLog(proxy, { now: () => Date.now(), observer: OBSERVER, maxDelayMs: 60_000 });
      for (let i = 0; i < 20; i++) await audit.recordSoon(input({ patients: [`soon-${i}`] }));
      assert.equal(seen.transactions, 0, 'nothing is written while the batch gathers');
      await audit.flush();
      assert.equal(seen.transactions, 1, 'the gathered events are written in one transaction');
      assert.equal((await eventsOf(db.get(), 'soon-7')).length, 1);
      await audit.close();
    });

    it('record() is written at once even while recordSoon() events gather for a long window', async () => {
      const { proxy, seen } = watched(db.get());
      const audit = createAuditLog(proxy, { now: () => Date.now(), observer: OBSERVER, maxDelayMs: 60_000 });
      await audit.recordSoon(input({ patients: ['gathering'] }));
      await audit.record(input({ patients: ['waited-for'] })); // would time the test out if it waited for the window
      assert.equal(seen.transactions, 1);
      assert.equal((await eventsOf(db.get(), 'waited-for')).length, 1);
      assert.equal((await eventsOf(db.get(), 'gathering')).length, 1, 'the gathering events went with it');
      await audit.close();
    });

    it('recordSoon() fails closed: once a write of the log failed, each reader waits for its own event and is refused if it cannot be stored', async () => {
      const { proxy } = watched(db.get(), { poison: 'poison-pill' });
      const audit = createAuditLog(proxy, { now: () => Date.now(), observer: OBSERVER });
      await audit.recordSoon(input({ patients: ['before'], breakGlass: { reason: 'poison-pill' } })); // accepted: the log was healthy
      await audit.flush();
      // the log is failing now: the next reader waits for its own event, which fails too
      await assert.rejects(audit.recordSoon(input({ patients: ['while-failing'], breakGlass: { reason: 'poison-pill' } })), /poisoned/);
      // a reader whose event can be stored waits for it, and the log is healthy again
      await audit.recordSoon(input({ patients: ['recovered'] }));
      assert.equal((await eventsOf(db.get(), 'recovered')).length, 1, 'stored before recordSoon resolved');
      await audit.close();
    });

    it('close() writes what is queued, then refuses new events', async () => {
      const audit = log();
      const queued = audit.record(input({ patients: ['at-close'] }));
      await audit.close();
      await queued;
      assert.equal((await eventsOf(db.get(), 'at-close')).length, 1);
      await assert.rejects(audit.record(input({ patients: ['after-close'] })), /closed/);
    });
  });
}
