/**
 * FHIR date, dateTime and instant values as ranges: a value covers the whole period its
 * precision implies ("2024" is all of 2024). Values without a time zone are read as UTC,
 * the server's time zone.
 */
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export interface DateRange {
  /** Epoch milliseconds, inclusive. */
  low: number;
  /** Epoch milliseconds, inclusive. */
  high: number;
}

/** The range a FHIR date/dateTime/instant covers, or undefined if it is not one. */
export function dateRange(value: string): DateRange | undefined {
  const m = DATE.exec(value.trim().replace(' ', '+'));
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo === undefined ? undefined : Number(mo) - 1;
  if (month !== undefined && (month < 0 || month > 11)) return undefined;
  const day = d === undefined ? undefined : Number(d);
  if (day !== undefined && (day < 1 || day > 31)) return undefined;
  const offset = tz === undefined || tz === 'Z' ? 0 : (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60000;
  const utc = (yy: number, mm = 0, dd = 1, hh = 0, mn = 0, ss = 0, ms = 0) => {
    const t = new Date(0);
    t.setUTCFullYear(yy, mm, dd);
    t.setUTCHours(hh, mn, ss, ms);
    return t.getTime();
  };
  if (month === undefined) return { low: utc(year), high: utc(year + 1) - 1 };
  if (day === undefined) return { low: utc(year, month), high: utc(year, month + 1) - 1 };
  if (utc(year, month, day) >= utc(year, month + 1)) return undefined; // 31 February
  if (h === undefined) return { low: utc(year, month, day), high: utc(year, month, day + 1) - 1 };
  if (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59)) return undefined;
  const base = utc(year, month, day, Number(h), Number(mi), s === undefined ? 0 : Number(s)) - offset;
  if (s === undefined) return { low: base, high: base + 60000 - 1 };
  if (frac === undefined) return { low: base, high: base + 999 };
  const digits = Math.min(frac.length, 3);
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  return { low: base + ms, high: base + ms + 10 ** (3 - digits) - 1 };
}
