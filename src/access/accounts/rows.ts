/** Reading rows from either store: SQLite gives booleans as 1/0, PostgreSQL as true/false. */
export type Row = Record<string, unknown>;

export const text = (row: Row, column: string): string => String(row[column]);
export const optText = (row: Row, column: string): string | undefined => (row[column] === null || row[column] === undefined ? undefined : String(row[column]));
export const num = (row: Row, column: string): number => Number(row[column]);
export const optNum = (row: Row, column: string): number | undefined => (row[column] === null || row[column] === undefined ? undefined : Number(row[column]));
export const bool = (row: Row, column: string): boolean => row[column] === true || row[column] === 1 || row[column] === '1';
/** A comma-separated column as a list. */
export const list = (row: Row, column: string): string[] => text(row, column).split(',').filter(Boolean);
export const iso = (ms: number): string => new Date(ms).toISOString();
