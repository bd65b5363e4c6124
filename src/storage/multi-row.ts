/**
 * Multi-row INSERTs, as the SQLite writer and the audit log make them: the rows of one table go in
 * statements of 1, 2, 4 … `max` rows, largest first, so that few distinct statement texts (each
 * prepared once) cover any number of rows.
 */

/** `(?, ?, …), (?, ?, …)`: the VALUES list of `rows` rows of `width` values. */
export function valueTuples(rows: number, width: number): string {
  return new Array(rows).fill(`(${new Array(width).fill('?').join(', ')})`).join(', ');
}

/** The rows each statement takes to insert `rows` rows: powers of two up to `max`, largest first. */
export function* batches(rows: number, max: number): Generator<number> {
  let at = 0;
  while (at < rows) {
    let n = max;
    while (n > rows - at) n >>= 1;
    yield n;
    at += n;
  }
}
