/**
 * Renders audit searches to SQL. A search is driven by one index, chosen from its criteria (an
 * `_id`, then a reference, then an indexed column, then break-glass, else the date index), and
 * reads its page newest first from that index with the date range and the page's keyset applied
 * there; the other criteria filter the rows found. A driving criterion with several values (a
 * reference or an agent that may be a user name or a client id) becomes one branch per value,
 * each reading at most a page, merged by seq.
 */
import { Params } from '../search/compiler.ts';
import type { CompiledQuery } from '../types.ts';
import { INDEXED_COLUMNS, STORED_COLUMNS, type AuditCriterion, type AuditQuery, type AuditRow } from './types.ts';

type Driver = Extract<AuditCriterion, { kind: 'id' | 'reference' | 'column' | 'break-glass' }>;

interface Branch {
  from: string;
  /** The alias whose (recorded, seq) the branch reads in index order: the link table's or the event table's. */
  key: string;
  where: string[];
}

/** The stored columns of the event `e`. */
const SELECTED = STORED_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ');

const COLUMNS = new Set(['agent', 'user_name', 'client_id', 'type', 'subtype', 'action', 'outcome', 'purpose']);

function column(name: string): string {
  if (!COLUMNS.has(name)) throw new Error(`Not an audit column: ${name}`);
  return name;
}

export abstract class AuditSql {
  protected abstract placeholder(n: number): string;

  /** The statements that append `rows` (and their references), in order, in one transaction. */
  abstract insert(rows: readonly AuditRow[]): CompiledQuery[];

  /** `col` as a filter the planner must not drive the query from (SQLite: unary `+`). */
  protected filterColumn(col: string): string {
    return col;
  }

  protected params(): Params {
    return new Params((n) => this.placeholder(n));
  }

  read(seq: number): CompiledQuery {
    const p = this.params();
    return p.finish(`SELECT ${STORED_COLUMNS} FROM audit_event WHERE seq = ${p.add(seq)}`);
  }

  search(q: AuditQuery): CompiledQuery {
    const p = this.params();
    const driver = this.pickDriver(q.criteria);
    const others = q.criteria.filter((c) => c !== driver);
    const branches = this.branches(driver, p).map((b) => {
      for (const c of others) b.where.push(this.cond(c, b.key, p));
      if (q.after) b.where.push(`(${b.key}.recorded, ${b.key}.seq) < (${p.add(q.after.recorded)}, ${p.add(q.after.seq)})`);
      return b;
    });
    const order = (k: string) => `ORDER BY ${k}.recorded DESC, ${k}.seq DESC LIMIT ${p.add(q.limit)}`;
    const where = (b: Branch) => (b.where.length ? `WHERE ${b.where.join(' AND ')}` : '');
    if (branches.length === 1) {
      const [b] = branches;
      return p.finish(`SELECT ${SELECTED} FROM ${b.from} ${where(b)} ${order(b.key)}`);
    }
    const union = branches.map((b, i) => `SELECT seq FROM (SELECT e.seq FROM ${b.from} ${where(b)} ${order(b.key)}) b${i}`).join(' UNION ');
    return p.finish(`SELECT ${SELECTED} FROM audit_event e WHERE e.seq IN (${union}) ${order('e')}`);
  }

  private pickDriver(criteria: readonly AuditCriterion[]): Driver | undefined {
    const find = <K extends Driver['kind']>(kind: K, ok: (c: Extract<Driver, { kind: K }>) => boolean = () => true) =>
      criteria.find((c): c is Extract<Driver, { kind: K }> => c.kind === kind && ok(c as Extract<Driver, { kind: K }>));
    return (
      find('id') ??
      find('reference', (c) => c.values.length > 0) ??
      find('column', (c) => c.values.length > 0 && c.values.every((v) => INDEXED_COLUMNS.has(v.column))) ??
      find('break-glass', (c) => c.value)
    );
  }

  private branches(driver: Driver | undefined, p: Params): Branch[] {
    const events = (where: string[]): Branch => ({ from: 'audit_event e', key: 'e', where });
    if (!driver) return [events([])];
    switch (driver.kind) {
      case 'id':
        return [events([driver.values.length ? `e.seq IN (${driver.values.map((v) => p.add(v)).join(', ')})` : '1 = 0'])];
      case 'reference':
        // the link table leads (CROSS JOIN fixes the join order on SQLite) and the event is found by its key
        return [...new Set(driver.values)].map((v) => ({
          from: 'audit_entity d CROSS JOIN audit_event e',
          key: 'd',
          where: [`d.reference = ${p.add(v)}`, 'e.seq = d.seq'],
        }));
      case 'column':
        return driver.values.map((v) => events([`e.${column(v.column)} = ${p.add(v.value)}`]));
      case 'break-glass':
        return [events(['e.break_glass'])]; // a boolean column as a condition in both dialects, as the partial index names it
    }
  }

  private cond(c: AuditCriterion, key: string, p: Params): string {
    switch (c.kind) {
      case 'id':
        return c.values.length ? `${this.filterColumn('e.seq')} IN (${c.values.map((v) => p.add(v)).join(', ')})` : '1 = 0';
      case 'reference':
        if (!c.values.length) return '1 = 0';
        return `EXISTS (SELECT 1 FROM audit_entity x WHERE x.reference IN (${c.values.map((v) => p.add(v)).join(', ')}) AND x.recorded = e.recorded AND x.seq = e.seq)`;
      case 'column':
        if (!c.values.length) return '1 = 0';
        return `(${c.values.map((v) => `${this.filterColumn(`e.${column(v.column)}`)} = ${p.add(v.value)}`).join(' OR ')})`;
      case 'break-glass':
        return `${c.value ? '' : 'NOT '}${this.filterColumn('e.break_glass')}`;
      case 'recorded': {
        const op = { lt: '<', le: '<=', gt: '>', ge: '>=' }[c.op];
        return `${key}.recorded ${op} ${p.add(c.value)}`;
      }
      case 'recorded-not':
        return `(${key}.recorded < ${p.add(c.low)} OR ${key}.recorded > ${p.add(c.high)})`;
    }
  }
}
