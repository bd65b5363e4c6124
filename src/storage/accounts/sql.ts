/**
 * Parameterised SQL for the accounts tables, one tagged template for both dialects: every
 * interpolated value becomes a placeholder (`?` for SQLite, `$n` for PostgreSQL), never text.
 * Booleans are bound as 1/0 on SQLite (which has no boolean type); arrays expand to a list.
 *
 * Every statement, writes included, ends in a SELECT or RETURNING: they run through
 * `StoreReader.select`/`StoreTx.select`, which expect rows back.
 */
import type { CompiledQuery } from '../types.ts';

/** A constant fragment of SQL (a column list) written into the text as is; only ever built from constants in this folder. */
export class SqlText {
  constructor(readonly text: string) {}
}

export abstract class AccountsDialect {
  abstract readonly dialect: 'sqlite' | 'postgres';
  protected abstract placeholder(n: number): string;
  protected abstract bool(value: boolean): unknown;

  /** `q\`SELECT … WHERE id = ${id}\`` → `{ text: 'SELECT … WHERE id = ?', params: [id] }`. */
  q(strings: TemplateStringsArray, ...values: unknown[]): CompiledQuery {
    const params: unknown[] = [];
    const bind = (v: unknown): string => {
      params.push(typeof v === 'boolean' ? this.bool(v) : v === undefined ? null : v);
      return this.placeholder(params.length);
    };
    let text = strings[0];
    values.forEach((v, i) => {
      if (v instanceof SqlText) text += v.text;
      else if (Array.isArray(v)) {
        if (v.length === 0) throw new Error('An empty list cannot be bound');
        text += v.map(bind).join(', ');
      } else text += bind(v);
      text += strings[i + 1];
    });
    return { text, params };
  }
}

class SqliteAccounts extends AccountsDialect {
  readonly dialect = 'sqlite' as const;
  protected placeholder(): string {
    return '?';
  }
  protected bool(value: boolean): unknown {
    return value ? 1 : 0;
  }
}

class PostgresAccounts extends AccountsDialect {
  readonly dialect = 'postgres' as const;
  protected placeholder(n: number): string {
    return `$${n}`;
  }
  protected bool(value: boolean): unknown {
    return value;
  }
}

export function accountsDialect(dialect: 'sqlite' | 'postgres'): AccountsDialect {
  return dialect === 'sqlite' ? new SqliteAccounts() : new PostgresAccounts();
}
