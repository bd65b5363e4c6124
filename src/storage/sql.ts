/**
 * SQL shared by both dialects. A dialect passes its placeholder function
 * (`?` for SQLite, `$n` for PostgreSQL); nothing else differs here.
 */
import type { HistoryQuery, StoredVersion } from './types.ts';

export type Placeholder = () => string;

export interface SqlRow {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: number | string;
  deleted: number | boolean;
  content: string | null;
  method: string | null;
}

export function rowToVersion(r: SqlRow): StoredVersion {
  return {
    resourceType: r.resource_type,
    id: r.id,
    versionId: Number(r.version_id),
    lastUpdated: Number(r.last_updated),
    deleted: r.deleted === true || r.deleted === 1,
    json: r.content,
    method: (r.method ?? 'PUT') as StoredVersion['method'],
  };
}

const HISTORY_COLUMNS = 'seq, resource_type, id, version_id, last_updated, deleted, content, method';

/** The page query and the count query of a history request, each with its parameters. */
export function historySql(q: HistoryQuery, placeholders: () => Placeholder): { list: string; listParams: unknown[]; count: string; countParams: unknown[] } {
  const build = (withCursor: boolean, p: Placeholder) => {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (x: string) => string, value: unknown) => {
      where.push(sql(p()));
      params.push(value);
    };
    if (q.resourceType !== undefined) add((x) => `resource_type = ${x}`, q.resourceType);
    if (q.id !== undefined) add((x) => `id = ${x}`, q.id);
    if (q.since !== undefined) add((x) => `last_updated >= ${x}`, q.since);
    if (q.at !== undefined) {
      // versions made within the period, plus the version that was current when it began
      add((x) => `last_updated <= ${x}`, q.at.high);
      const low = p();
      const low2 = p();
      params.push(q.at.low, q.at.low);
      const scope: string[] = [];
      if (q.resourceType !== undefined) (scope.push(` AND h2.resource_type = ${p()}`), params.push(q.resourceType));
      if (q.id !== undefined) (scope.push(` AND h2.id = ${p()}`), params.push(q.id));
      where.push(
        `(last_updated >= ${low} OR seq IN (SELECT MAX(h2.seq) FROM resource_history h2 WHERE h2.last_updated < ${low2}${scope.join('')} GROUP BY h2.resource_type, h2.id))`,
      );
    }
    if (withCursor && q.beforeSeq !== undefined) add((x) => `seq < ${x}`, q.beforeSeq);
    return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', params, p };
  };
  const page = build(true, placeholders());
  const counted = build(false, placeholders());
  return {
    list: `SELECT ${HISTORY_COLUMNS} FROM resource_history ${page.where} ORDER BY seq DESC LIMIT ${page.p()}`,
    listParams: [...page.params, q.count],
    count: `SELECT COUNT(*) AS n FROM resource_history ${counted.where}`,
    countParams: counted.params,
  };
}
