/**
 * Identifiers: NHS numbers from the test range 999 000 0000 – 999 999 9999 with a valid
 * Modulus 11 check digit, hospital numbers and ODS-shaped codes. Numbers come from bijections of
 * the patient number, so they are unique without remembering the ones already issued.
 */

/** The Modulus 11 check digit of the first nine digits, or undefined when none exists (10). */
export function nhsCheckDigit(nineDigits: string): number | undefined {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nineDigits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return undefined;
  return check;
}

export function isValidNhsNumber(value: string): boolean {
  return /^\d{10}$/.test(value) && nhsCheckDigit(value.slice(0, 9)) === Number(value[9]);
}

export function isTestRangeNhsNumber(value: string): boolean {
  return isValidNhsNumber(value) && value >= '9990000000' && value <= '9999999999';
}

/** 999 + 5 free digits = 100,000 prefixes, each with at least 9 choices for the ninth digit. */
export const NHS_NUMBER_CAPACITY = 900_000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** A permutation of [0, size) chosen by the seed: i → (a·i + b) mod size with a coprime to size. */
export class Permutation {
  private readonly a: number;
  private readonly b: number;
  constructor(readonly size: number, seedWord1: number, seedWord2: number) {
    let a = (seedWord1 % (size - 1)) + 1;
    while (gcd(a, size) !== 1) a = (a % (size - 1)) + 1;
    this.a = a;
    this.b = seedWord2 % size;
  }
  at(i: number): number {
    return Number((BigInt(this.a) * BigInt(i) + BigInt(this.b)) % BigInt(this.size));
  }
}

/**
 * The NHS number for a rank in [0, NHS_NUMBER_CAPACITY): the prefix 999 and five digits from
 * rank / 9, then the (rank mod 9)-th ninth digit that has a check digit, then the check digit.
 */
export function nhsNumberForRank(rank: number): string {
  if (rank < 0 || rank >= NHS_NUMBER_CAPACITY) throw new RangeError(`NHS number rank ${rank} is outside the test range capacity`);
  const prefix = `999${String(Math.floor(rank / 9)).padStart(5, '0')}`;
  let wanted = rank % 9;
  for (let d = 0; d <= 9; d++) {
    const check = nhsCheckDigit(prefix + d);
    if (check === undefined) continue;
    if (wanted-- === 0) return `${prefix}${d}${check}`;
  }
  throw new Error('unreachable: every prefix has at least nine valid ninth digits');
}

/** Formats a number as 3-3-4 the way NHS letters print it (for text, not identifiers). */
export function formatNhsNumber(value: string): string {
  return `${value.slice(0, 3)} ${value.slice(3, 6)} ${value.slice(6)}`;
}

const ALNUM = '0123456789ABCDEFGHJKLMNPQRTUVWXY';

/** A trust code: R + two characters, unique per index (up to 1,024 trusts). */
export function trustOdsCode(index: number): string {
  return `R${ALNUM[(index * 7 + 10) % 32]}${ALNUM[(Math.floor(index / 32) * 11 + index + 3) % 32]}`;
}
