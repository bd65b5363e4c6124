/**
 * The R4 primitive types as JSON value checks. Each type's lexical rule is the `regex`
 * extension of its StructureDefinition's `value` element (read from the definitions, with
 * `\s` and `\S` given Java's meaning, which is what the specification's regexes assume);
 * the JSON representation (string, number or boolean) and the numeric ranges are the rules
 * of the R4 JSON format and data types pages.
 */
import type { Definitions, ElementDefinition } from '../fhir/definitions.ts';
import { narrativeProblem } from './narrative.ts';

export interface PrimitiveType {
  readonly name: string;
  /** Whether the JSON form may carry a `_name` companion with `id` and `extension`. xhtml may not. */
  readonly extensible: boolean;
  /** Undefined when the JSON value is valid; otherwise the reason, in plain English. */
  check(value: unknown): string | undefined;
}

const REGEX_URL = 'http://hl7.org/fhir/StructureDefinition/regex';
const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r';
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const DEFAULT_MAX_STRING = 1024 * 1024;
const XHTML_DIV = /^<div[\s>/]/;

/** Turns a specification regex into an anchored JavaScript RegExp with Java's `\s` and `\S`. */
export function compileSpecRegex(source: string): RegExp {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\' && i + 1 < source.length) {
      const n = source[++i];
      if (n === 's') out += inClass ? JAVA_SPACE : `[${JAVA_SPACE}]`;
      else if (n === 'S' && !inClass) out += `[^${JAVA_SPACE}]`;
      else out += c + n;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  return new RegExp(`^(?:${out})$`);
}

function quote(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > 60 ? `${JSON.stringify(s.slice(0, 60))}…` : JSON.stringify(s);
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Calendar check for a value that already matched a date, dateTime or instant regex. */
function realDay(s: string): boolean {
  if (s.length < 10) return true;
  const month = (s.charCodeAt(5) - 48) * 10 + (s.charCodeAt(6) - 48);
  const day = (s.charCodeAt(8) - 48) * 10 + (s.charCodeAt(9) - 48);
  if (day <= 28) return true;
  if (month !== 2) return day <= DAYS[month - 1];
  const year = Number(s.slice(0, 4));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (leap ? 29 : 28);
}

function isBase64Char(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

function isJavaSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** base64Binary in linear time (the specification regex backtracks badly on long invalid input). */
function base64Problem(s: string): string | undefined {
  let count = 0;
  let padding = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isJavaSpace(c)) continue;
    if (c === 61) padding++;
    else if (isBase64Char(c) && padding === 0) {
      /* a data character before any padding */
    } else return 'is not valid base64 (only A-Z, a-z, 0-9, +, / and trailing = are allowed)';
    count++;
  }
  if (count % 4 !== 0 || padding > 2) return 'is not valid base64 (its length must be a multiple of 4)';
  return undefined;
}

const DESCRIPTIONS: Record<string, string> = {
  code: 'a code (no leading, trailing or repeated whitespace)',
  id: 'an id (1 to 64 characters: A-Z, a-z, 0-9, "-" and ".")',
  uri: 'a uri (no whitespace)',
  url: 'a url (no whitespace)',
  canonical: 'a canonical URL (no whitespace)',
  oid: 'an oid (urn:oid: followed by dotted numbers)',
  uuid: 'a uuid (urn:uuid: followed by a lower-case UUID)',
  date: 'a date (YYYY, YYYY-MM or YYYY-MM-DD)',
  dateTime: 'a dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a timezone)',
  instant: 'an instant (YYYY-MM-DDThh:mm:ss with optional fractions and a required timezone)',
  time: 'a time (hh:mm:ss)',
};

function stringType(name: string, regex: RegExp | undefined, maxLength: number, calendar: boolean): PrimitiveType {
  const what = DESCRIPTIONS[name] ?? `a valid ${name}`;
  return {
    name,
    extensible: true,
    check(value) {
      if (typeof value !== 'string') return `must be a JSON string, not ${jsonKind(value)}`;
      if (value.length === 0) return 'must not be an empty string (omit the element instead)';
      if (value.length > maxLength) return `is longer than the ${maxLength} characters allowed`;
      if (regex !== undefined && !regex.test(value)) return `must be ${what}; found ${quote(value)}`;
      if (calendar && !realDay(value)) return `is not a real calendar date; found ${quote(value)}`;
      return undefined;
    },
  };
}

function integerType(name: string, min: number): PrimitiveType {
  return {
    name,
    extensible: true,
    check(value) {
      if (typeof value !== 'number') return `must be a JSON number, not ${jsonKind(value)}`;
      if (!Number.isInteger(value)) return `must be a whole number; found ${value}`;
      if (value < min || value > INT32_MAX) return `must be between ${min} and ${INT32_MAX}; found ${value}`;
      return undefined;
    },
  };
}

const BUILT_IN: Record<string, PrimitiveType> = {
  boolean: {
    name: 'boolean',
    extensible: true,
    check: (value) => (typeof value === 'boolean' ? undefined : `must be a JSON boolean (true or false), not ${jsonKind(value)}`),
  },
  integer: integerType('integer', INT32_MIN),
  unsignedInt: integerType('unsignedInt', 0),
  positiveInt: integerType('positiveInt', 1),
  decimal: {
    name: 'decimal',
    extensible: true,
    check: (value) =>
      typeof value !== 'number' ? `must be a JSON number, not ${jsonKind(value)}` : Number.isFinite(value) ? undefined : 'must be a finite number',
  },
  base64Binary: {
    name: 'base64Binary',
    extensible: true,
    check(value) {
      if (typeof value !== 'string') return `must be a JSON string, not ${jsonKind(value)}`;
      if (value.length === 0) return 'must not be an empty string (omit the element instead)';
      return base64Problem(value);
    },
  },
  xhtml: {
    name: 'xhtml',
    extensible: false,
    check(value) {
      if (typeof value !== 'string') return `must be a JSON string of XHTML, not ${jsonKind(value)}`;
      if (!XHTML_DIV.test(value)) return 'must be XHTML whose root element is <div>';
      return narrativeProblem(value);
    },
  },
};

/** Types whose specification regex is replaced or unhelpful: strings may hold any character. */
const NO_REGEX = new Set(['string', 'markdown']);
const CALENDAR = new Set(['date', 'dateTime', 'instant']);

/** Builds every R4 primitive type from the definitions, once. */
export function loadPrimitiveTypes(defs: Definitions): Map<string, PrimitiveType> {
  const out = new Map<string, PrimitiveType>();
  for (const sd of defs.allTypes()) {
    if (sd.kind !== 'primitive-type') continue;
    const builtIn = BUILT_IN[sd.name];
    if (builtIn) {
      out.set(sd.name, builtIn);
      continue;
    }
    const valueElement: ElementDefinition | undefined = sd.snapshot?.element.find((e) => e.path === `${sd.type}.value`);
    const source = NO_REGEX.has(sd.name) ? undefined : regexOf(valueElement);
    const maxLength = typeof valueElement?.maxLength === 'number' ? valueElement.maxLength : DEFAULT_MAX_STRING;
    out.set(sd.name, stringType(sd.name, source === undefined ? undefined : compileSpecRegex(source), maxLength, CALENDAR.has(sd.name)));
  }
  return out;
}

function regexOf(element: ElementDefinition | undefined): string | undefined {
  for (const type of element?.type ?? []) {
    for (const ext of (type.extension ?? []) as { url?: string; valueString?: string }[]) {
      if (ext.url === REGEX_URL && typeof ext.valueString === 'string') return ext.valueString;
    }
  }
  return undefined;
}
