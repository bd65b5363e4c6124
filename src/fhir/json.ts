/**
 * FHIR JSON with decimal precision kept. FHIR decimals carry their written precision ("6.0" is not
 * "6"), but JSON.parse turns both into the number 6. When a body holds numbers whose text a plain
 * parse would not give back, it is read by a small parser that remembers their text (in a symbol
 * property of the object or array holding them, and marks every ancestor); stringifyFhirJson
 * writes that text back. Symbol properties survive object spread and are invisible to
 * JSON.stringify, Object.keys and the validators. Bodies without such numbers use JSON.parse as is.
 */

const RAW = Symbol('decimal texts');
const HAS_RAW = Symbol('holds decimal texts');

type Holder = Record<string | symbol, unknown>;

const NUMBER_TOKEN = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Where a number may start outside strings: after a member's colon (`"key":`) or after `[` or `,`,
 * and any whitespace. The whitespace is taken whole (a lookahead's capture cannot backtrack),
 * which keeps this one native pass over pretty-printed text cheap. Inside strings it matches only
 * after `,` or `[` (or an escaped quote): such look-alikes are ruled out by the exact scan.
 */
const VALUE_NUMBER = /(?:"(?=(\s*))\1:|[,[])(?=(\s*))\2(?=-?\d)/g;

/**
 * Whether any number is written in a way a plain parse would not give back (trailing zeros,
 * exponents, -0, more digits than a double holds …). Each number in a value position is checked
 * as JSON.parse would read it; only when one would change is the exact scan run, to tell
 * numbers from look-alikes inside strings.
 */
function hasLossyNumber(text: string): boolean {
  if (/^\s*[-\d]/.test(text)) return hasLossyNumberExact(text); // a bare number as the document
  VALUE_NUMBER.lastIndex = 0;
  while (VALUE_NUMBER.exec(text)) {
    NUMBER_TOKEN.lastIndex = VALUE_NUMBER.lastIndex;
    const m = NUMBER_TOKEN.exec(text);
    if (!m) continue;
    if (String(Number(m[0])) !== m[0]) return hasLossyNumberExact(text);
    VALUE_NUMBER.lastIndex = NUMBER_TOKEN.lastIndex;
  }
  return false;
}

/** The exact check: numbers outside strings only. */
function hasLossyNumberExact(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // skip the string: find its closing quote, not preceded by an odd number of backslashes
      let j = text.indexOf('"', i + 1);
      while (j > 0) {
        let k = j - 1;
        while (text.charCodeAt(k) === 92) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (j < 0) return false; // malformed: JSON.parse will say so
      i = j;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER_TOKEN.lastIndex = i;
      const m = NUMBER_TOKEN.exec(text);
      if (!m) return false;
      if (String(Number(m[0])) !== m[0]) return true;
      i += m[0].length - 1;
    }
  }
  return false;
}

export function parseFhirJson(text: string): unknown {
  if (!hasLossyNumber(text)) return JSON.parse(text);
  return new Parser(text).document();
}

/** JSON text of a value, writing back the remembered text of its decimals. */
export function stringifyFhirJson(value: unknown, indent?: number): string {
  if (!value || typeof value !== 'object' || !(value as Holder)[HAS_RAW]) return JSON.stringify(value, null, indent);
  const texts: string[] = [];
  const nonce = Math.random().toString(36).slice(2);
  const json = JSON.stringify(
    value,
    function (this: Holder, key: string, v: unknown) {
      if (typeof v !== 'number') return v;
      const raw = (this[RAW] as Map<string, string> | undefined)?.get(key);
      if (raw === undefined || Number(raw) !== v) return v;
      texts.push(raw);
      return `${nonce}:${texts.length - 1}`;
    },
    indent,
  );
  return json.replace(new RegExp(`"${nonce}:(\\d+)"`, 'g'), (_, i: string) => texts[Number(i)]);
}

/** Copies remembered decimal texts from one object to its rewritten copy. */
export function keepDecimalTexts<T extends object>(from: object, to: T): T {
  const f = from as Holder;
  if (f[HAS_RAW]) {
    (to as Holder)[HAS_RAW] = true;
    if (f[RAW]) (to as Holder)[RAW] = f[RAW];
  }
  return to;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  document(): unknown {
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) this.fail('Unexpected data after the JSON value');
    return v;
  }

  private fail(message: string): never {
    throw new SyntaxError(`${message} at position ${this.i}`);
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.i++;
      else break;
    }
  }

  private value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    return this.fail(c === undefined ? 'Unexpected end of JSON input' : `Unexpected token ${c}`);
  }

  private static readonly NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

  private numberText(): string {
    Parser.NUMBER.lastIndex = this.i;
    const m = Parser.NUMBER.exec(this.s);
    if (!m) this.fail('Malformed number');
    this.i += m[0].length;
    return m[0];
  }

  private number(): number {
    return Number(this.numberText());
  }

  private string(): string {
    const s = this.s;
    let j = this.i + 1;
    let escaped = false;
    for (; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === 92) {
        escaped = true;
        j++;
      } else if (c === 34) break;
    }
    if (j >= s.length) this.fail('Unterminated string');
    const raw = s.slice(this.i, j + 1);
    this.i = j + 1;
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  /** A member value: numbers whose text matters are remembered on their holder. */
  private member(holder: Holder, key: string): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '-' || (c >= '0' && c <= '9')) {
      const text = this.numberText();
      const n = Number(text);
      if (String(n) !== text) {
        let map = holder[RAW] as Map<string, string> | undefined;
        if (!map) holder[RAW] = map = new Map();
        map.set(key, text);
        holder[HAS_RAW] = true;
      }
      return n;
    }
    const v = this.value();
    if (v && typeof v === 'object' && (v as Holder)[HAS_RAW]) holder[HAS_RAW] = true;
    return v;
  }

  private object(): Holder {
    const out: Holder = {};
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('Expected a property name');
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail("Expected ':'");
      this.i++;
      const v = this.member(out, key);
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail("Expected ',' or '}'");
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.member(out as unknown as Holder, String(out.length)));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail("Expected ',' or ']'");
    }
  }
}
