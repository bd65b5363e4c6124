/**
 * Fresh stores for a benchmark, made as the tests make theirs: a new SQLite file in a temporary
 * directory, or a new PostgreSQL database on 127.0.0.1:5432 (MERIDIAN_TEST_PG names the admin
 * connection) that is dropped afterwards. PostgreSQL is skipped, with the reason, when its store
 * or its server is not available.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type StoreName = 'sqlite' | 'postgres';

export interface BenchStore {
  name: StoreName;
  spec: string;
  cleanup(): Promise<void>;
}

const PG_ADMIN = process.env.MERIDIAN_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function parseStores(value: string | undefined): StoreName[] {
  const names = (value ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (n !== 'sqlite' && n !== 'postgres') throw new Error(`--stores takes sqlite and/or postgres, not "${n}"`);
  return names as StoreName[];
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh store, or the reason there is none. */
export async function freshStore(name: StoreName): Promise<BenchStore | { skipped: string }> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-'));
    return { name, spec: `sqlite:${join(dir, 'bench.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  try {
    await import('../../src/storage/postgres/postgres-store.ts');
  } catch (err) {
    return { skipped: `the PostgreSQL store is not available yet (${(err as Error).message.split('\n')[0]})` };
  }
  const db = `meridian_bench_${process.pid}_${Date.now()}`;
  try {
    await admin((c) => c.query(`CREATE DATABASE ${db}`));
  } catch (err) {
    return { skipped: `cannot create a database through ${PG_ADMIN.replace(/\/\/[^@/]*@/, '//***@')}: ${(err as Error).message}` };
  }
  const url = new URL(PG_ADMIN);
  url.pathname = `/${db}`;
  return { name, spec: url.toString(), cleanup: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)).then(() => undefined) };
}

/** Runs `fn` on a fresh store of each name in turn, dropping it afterwards; unavailable stores are reported and skipped. */
export async function onEachStore(names: StoreName[], fn: (name: StoreName, spec: string) => Promise<void>): Promise<void> {
  for (const name of names) {
    const store = await freshStore(name);
    if ('skipped' in store) {
      console.log(`${name}: skipped: ${store.skipped}`);
      continue;
    }
    try {
      await fn(name, store.spec);
    } finally {
      await store.cleanup();
    }
  }
}
