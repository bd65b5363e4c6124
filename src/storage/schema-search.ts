/**
 * Migration 5: search (search/).
 * - `idx_text`: full-text rows for `_text` (narrative) and `_content` (the whole resource). Index
 *   extraction folds and splits the text into words (search/params/text.ts); each dialect indexes
 *   those words: SQLite in an FTS5 table that stores no copy of the text (contentless, rowid = the
 *   resource's rid, one row per resource with a `narrative` and a `content` column), PostgreSQL as
 *   a `tsvector` per parameter under a GIN index of its own.
 * - `idx_position`: WGS84 positions for Location's `near`, looked up by a latitude/longitude box.
 * - quantity rows of UCUM units that convert also carry the value in the canonical unit.
 * - number and quantity rows now keep the interval a value covers in `low`/`high` (a point value:
 *   both the value; a Range: its ends), so that one condition serves points and ranges and the
 *   lookup index serves it; rows written before hold the value's precision range and are reset.
 * - indexes the search mix needs (see bench/search.ts).
 * Migration 6: the (rid) indexes of token, date and compartment rows extended to cover a parameter's values.
 * Migration 7: the lookup indexes of token, string, reference, date and compartment rows hold the rid too.
 * Migration 8 (PostgreSQL): string rows looked up by byte-wise prefix.
 */
import type { Migration, SchemaDialect } from './schema.ts';

/** Index tables this migration adds: a resource's rows in them are written and dropped with its other index rows. */
export const SEARCH_INDEX_TABLES = ['idx_text', 'idx_position'] as const;

export function searchMigrations(d: SchemaDialect): Migration[] {
  const text =
    d.kind === 'sqlite'
      ? [`CREATE VIRTUAL TABLE idx_text USING fts5(narrative, content, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0')`]
      : [
          `CREATE TABLE idx_text (rid ${d.bigint} NOT NULL, resource_type TEXT NOT NULL, param TEXT NOT NULL, value TSVECTOR NOT NULL)`,
          `CREATE INDEX idx_text_rid ON idx_text (rid)`,
          `CREATE INDEX idx_text_narrative ON idx_text USING gin (value) WHERE param = '_text'`,
          `CREATE INDEX idx_text_content ON idx_text USING gin (value) WHERE param = '_content'`,
        ];
  return [
    {
      version: 5,
      description: 'full-text (_text, _content), positions (near), number and quantity intervals, indexes for the search mix',
      statements: [
        ...text,
        `CREATE TABLE idx_position (rid ${d.bigint} NOT NULL, resource_type TEXT NOT NULL, param TEXT NOT NULL, latitude ${d.double} NOT NULL, longitude ${d.double} NOT NULL)`,
        `CREATE INDEX idx_position_rid ON idx_position (rid)`,
        `CREATE INDEX idx_position_lookup ON idx_position (resource_type, param, latitude, longitude)`,
        // date rows longer than a day (periods, months, years) are few: a window over the others is a range on low (search/planner.ts)
        `CREATE INDEX idx_date_wide ON idx_date (resource_type, param, high) WHERE high > low + 86400000`,
        `UPDATE idx_number SET low = value, high = value`,
        `UPDATE idx_quantity SET low = value, high = value`,
        // UCUM quantities also in their canonical unit, in the same row (a second row would cost a whole row per quantity)
        `ALTER TABLE idx_quantity ADD COLUMN canonical_code TEXT`,
        `ALTER TABLE idx_quantity ADD COLUMN canonical_low ${d.double}`,
        `ALTER TABLE idx_quantity ADD COLUMN canonical_high ${d.double}`,
        // only plain parameters' rows: a composite's param (code-value-quantity$http://loinc.org|2339-0) already names so few rows
        `CREATE INDEX idx_quantity_canonical ON idx_quantity (resource_type, param, canonical_code, canonical_low, canonical_high) WHERE canonical_code IS NOT NULL AND param NOT LIKE '%$%'`,
      ],
    },
    {
      version: 6,
      description: 'index rows looked up by resource and parameter from a covering index',
      // a candidate's sort key (MAX(high) of its date rows), its patients and a label check read one
      // parameter's rows of one resource: keyed by (rid) alone they meant visiting every row of the
      // resource (an Observation has dozens of token rows); keyed by (rid, param, value) the probe
      // is one covering index range. The rid prefix still serves dropping a resource's rows.
      statements: [
        `DROP INDEX idx_token_rid`,
        `CREATE INDEX idx_token_rid ON idx_token (rid, param, code)`,
        `DROP INDEX idx_date_rid`,
        `CREATE INDEX idx_date_rid ON idx_date (rid, param, high)`,
        `DROP INDEX idx_compartment_rid`,
        `CREATE INDEX idx_compartment_rid ON idx_compartment (rid, param, compartment_id)`,
      ],
    },
    {
      version: 7,
      description: 'lookup indexes that also hold the resource (rid): a criterion lists its matches from the index alone',
      // `rid IN (SELECT rid FROM idx_… WHERE resource_type = ? AND param = ? AND value …)` read each
      // matching entry's table row only to learn its rid; with rid in the index it is never read.
      // Measured on the 250k-resource bench store (SQLite, SQL alone): two-level chain 0.86 → 0.43 ms,
      // _has 2.39 → 1.02 ms, _revinclude 0.21 → 0.14 ms; building the indexes took about 15 s there.
      statements: [
        `DROP INDEX idx_token_lookup`,
        `CREATE INDEX idx_token_lookup ON idx_token (resource_type, param, code, system, rid)`,
        `DROP INDEX idx_string_lookup`,
        `CREATE INDEX idx_string_lookup ON idx_string (resource_type, param, value, rid)`,
        `DROP INDEX idx_reference_lookup`,
        `CREATE INDEX idx_reference_lookup ON idx_reference (resource_type, param, target_id, target_type, rid)`,
        `DROP INDEX idx_date_lookup`,
        `CREATE INDEX idx_date_lookup ON idx_date (resource_type, param, low, high, rid)`,
        `DROP INDEX idx_compartment_lookup`,
        `CREATE INDEX idx_compartment_lookup ON idx_compartment (resource_type, param, compartment_id, rid)`,
        // the planner's statistics for the new indexes (nothing is written for empty tables). Whole, not
        // sampled: SQLite's analysis_limit = 1000 left idx_date_lookup's at 501 rows per parameter for
        // 21,271, and a week's date range went from 4 to 15 ms. ANALYZE of the whole bench store: 3.4 s.
        ...['idx_token', 'idx_string', 'idx_reference', 'idx_date', 'idx_compartment'].map((t) => `ANALYZE ${t}`),
      ],
    },
    {
      version: 8,
      description: 'PostgreSQL: string rows looked up by byte-wise prefix (text_pattern_ops)',
      // name prefixes are byte-wise ranges (search/postgres.ts); the default operator class orders
      // by the database's collation and cannot serve them
      statements:
        d.kind === 'postgres'
          ? [`DROP INDEX idx_string_lookup`, `CREATE INDEX idx_string_lookup ON idx_string (resource_type, param, value text_pattern_ops, rid)`, `ANALYZE idx_string`]
          : [],
    },
    {
      version: 9,
      description: 'resources of a type in rid order, from an index',
      // a search with no selective criterion pages through its type in rid order (`GET Observation`,
      // and a `_has` page found by probing its candidates); the (resource_type, id) and
      // (resource_type, last_updated) indexes hold the type's rows in another order, so every row of
      // the type was read and sorted for each page: `Observation?_count=10` took 115 ms on the 250k
      // bench store (113,000 Observations), and 0.5 ms with this index. It holds the id as well, which
      // a `_has` probe looks up: 34,000 Encounters' (rid, id) in rid order took 90 ms reading the rows,
      // 17 ms from the index alone
      statements: [`CREATE INDEX resources_type_rid ON resources (resource_type, rid, id)`, `ANALYZE resources`],
    },
    {
      version: 10,
      description: 'string rows looked up by resource and parameter from a covering index',
      // as migration 6 did for tokens, dates and compartments: a sort by a string parameter reads
      // each candidate's MIN(value) of one parameter. Keyed by (rid) alone, that visited every string
      // row of the resource and then the table: Patient?_sort=family took 27 ms of SQL for the bench
      // store's 1,619 Patients, 6 ms with this index (built in about 3 s there)
      statements: [`DROP INDEX idx_string_rid`, `CREATE INDEX idx_string_rid ON idx_string (rid, param, value)`, `ANALYZE idx_string`],
    },
    {
      version: 11,
      description: 'date rows in order of their upper bound: a page sorted by a date, latest first, walks it',
      // `_sort=-date` orders by each resource's latest date (MAX(high)); a page of an unselective
      // search walks this index from the latest value down and stops when the page is full
      // (search/page.ts). Without it, Observation?_sort=-date&_count=10 read and sorted all
      // 113,000 Observations' dates of the bench store (about 140 ms). Ascending sorts walk
      // idx_date_lookup, which begins (resource_type, param, low)
      statements: [`CREATE INDEX idx_date_high ON idx_date (resource_type, param, high, rid)`, `ANALYZE idx_date`],
    },
    {
      version: 12,
      description: 'the partial index of date rows longer than a day covers their rows',
      // a date window reads the rows longer than a day from this partial index (usually few or
      // none). Once PostgreSQL's vacuum has marked the pages all-visible, an index-only scan of
      // idx_date_lookup looked cheaper to it than this index plus the table for `low` and `rid`:
      // it read every Observation date before the window's end (14 ms for none found, against
      // 0.1 ms). Holding low and rid, this index answers alone
      statements: [`DROP INDEX idx_date_wide`, `CREATE INDEX idx_date_wide ON idx_date (resource_type, param, high, low, rid) WHERE high > low + 86400000`, `ANALYZE idx_date`],
    },
  ];
}
