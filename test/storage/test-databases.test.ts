/**
 * The test helper's sweep of PostgreSQL test databases left behind by killed runs: a database
 * whose process is gone is dropped, one whose process runs is kept.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { dropAbandonedTestDatabases, PG_ADMIN as ADMIN, testStores } from '../helpers/stores.ts';

const wanted = testStores().some((s) => s.name === 'postgres');

describe('abandoned PostgreSQL test databases', { skip: !wanted && 'PostgreSQL not among MERIDIAN_TEST_STORES' }, () => {
  let admin: pg.Client;
  // a process that has ended: its pid names no running process (for the moment of the test)
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
  const abandoned = `meridian_test_${deadPid}_1_0`;
  const running = `meridian_test_${process.pid}_1_99`;
  const names = async () => (await admin.query<{ datname: string }>(`SELECT datname FROM pg_database`)).rows.map((r) => r.datname);

  before(async () => {
    admin = new pg.Client({ connectionString: ADMIN });
    await admin.connect();
    for (const n of [abandoned, running]) await admin.query(`CREATE DATABASE ${n}`);
  });
  after(async () => {
    for (const n of [abandoned, running]) await admin.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);
    await admin.end();
  });

  it('drops the databases of runs whose process is gone and keeps those of running ones', async () => {
    const dropped = await dropAbandonedTestDatabases(admin, ADMIN);
    assert.ok(dropped.includes(abandoned), JSON.stringify(dropped));
    assert.ok(!dropped.includes(running));
    const left = await names();
    assert.ok(!left.includes(abandoned));
    assert.ok(left.includes(running));
  });

  it('leaves a PostgreSQL of another machine alone (its pids say nothing here)', async () => {
    await admin.query(`CREATE DATABASE ${abandoned}`);
    assert.deepEqual(await dropAbandonedTestDatabases(admin, 'postgres://postgres@db.example.org:5432/postgres'), []);
    assert.ok((await names()).includes(abandoned));
  });
});
