/**
 * Runs a suite once per store: SQLite (a fresh temporary file) and PostgreSQL (a fresh
 * database created on 127.0.0.1:5432 and dropped afterwards). Set MERIDIAN_TEST_STORES=sqlite
 * to run only one. A run that is killed cannot drop its databases: the next run drops them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { IndexRows, ResourceStore } from '../../src/storage/types.ts';

export interface TestStore {
  name: 'sqlite' | 'postgres';
  /** A store spec for a brand-new empty database. */
  create(): Promise<string>;
  /** Drops everything `create` made. */
  cleanup(): Promise<void>;
}

export const PG_ADMIN = process.env.MERIDIAN_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function sqliteStore(): TestStore {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'meridian-test-'));
      dirs.push(dir);
      return `sqlite:${join(dir, 'test.db')}`;
    },
    async cleanup() {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Whether process `pid` of this machine is running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // running, as another user
  }
}

/**
 * Drops the test databases of runs that were killed before their cleanup (named
 * meridian_test_PID_…, whose process is gone); only on a PostgreSQL of this machine, where a pid
 * says something. Returns the names dropped.
 */
export async function dropAbandonedTestDatabases(admin: pg.Client, adminUrl = PG_ADMIN): Promise<string[]> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(adminUrl).hostname)) return [];
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'meridian\\_test\\_%'`);
  const dropped: string[] = [];
  for (const { datname } of rows) {
    const m = /^meridian_test_(\d+)_\d+_\d+$/.exec(datname);
    if (!m || alive(Number(m[1]))) continue;
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      dropped.push(datname);
    } catch {
      // another run is dropping it at the same moment: a sweep never fails a test
    }
  }
  return dropped;
}

let swept = false;

function postgresStore(): TestStore {
  const made: string[] = [];
  return {
    name: 'postgres',
    async create() {
      const name = `meridian_test_${process.pid}_${Date.now()}_${made.length}`;
      const admin = new pg.Client({ connectionString: PG_ADMIN });
      await admin.connect();
      try {
        if (!swept) {
          swept = true;
          await dropAbandonedTestDatabases(admin);
        }
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      made.push(name);
      const url = new URL(PG_ADMIN);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async cleanup() {
      const admin = new pg.Client({ connectionString: PG_ADMIN });
      await admin.connect();
      try {
        for (const name of made.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

export function testStores(): TestStore[] {
  const wanted = (process.env.MERIDIAN_TEST_STORES ?? 'sqlite,postgres').split(',');
  return [sqliteStore(), postgresStore()].filter((s) => wanted.includes(s.name));
}

/**
 * Writes resources straight into `store` with the index rows given (no extraction, no
 * validation): version 1 as `{ resourceType, id }`, or with `deleted` a deletion as version 2;
 * lastUpdated counts up from 1, one per write. For tests of the query layer over chosen rows.
 */
export function indexedWriter(store: ResourceStore): (resourceType: string, id: string, index: IndexRows, deleted?: boolean) => Promise<void> {
  let written = 0;
  return async (resourceType, id, index, deleted = false) => {
    await store.transaction((tx) =>
      tx.writeVersion(
        { resourceType, id, versionId: deleted ? 2 : 1, lastUpdated: ++written, deleted, json: deleted ? null : JSON.stringify({ resourceType, id }), method: deleted ? 'DELETE' : 'PUT' },
        deleted ? {} : index,
      ),
    );
  };
}
