/** UK addresses and telephone numbers in real formats, from the place tables. */
import type { Random } from './random.ts';
import { POSTCODE_UNIT_LETTERS, STREET_KINDS, STREET_NAMES, type Town } from './tables/people.ts';

/** A postcode in the town's area: outward code (area + district), space, inward code (sector + unit). */
export function postcodeFor(town: Town, r: Random): string {
  const unit = POSTCODE_UNIT_LETTERS[r.int(0, POSTCODE_UNIT_LETTERS.length - 1)] + POSTCODE_UNIT_LETTERS[r.int(0, POSTCODE_UNIT_LETTERS.length - 1)];
  return `${town.area}${r.pick(town.districts)} ${r.int(1, 9)}${unit}`;
}

/** A landline from Ofcom's range reserved for drama (so never a real subscriber). */
export function phoneFor(town: Town, r: Random): string {
  const digits = String(r.int(0, 999)).padStart(3, '0');
  return town.landline.endsWith(' ') ? `${town.landline}0${digits}` : `${town.landline}${digits}`;
}

/** A mobile number from Ofcom's drama range 07700 900000–900999. */
export function mobile(r: Random): string {
  return `07700 900${String(r.int(0, 999)).padStart(3, '0')}`;
}

export function streetLine(r: Random): string {
  return `${r.int(1, 180)} ${r.pick(STREET_NAMES)} ${r.pick(STREET_KINDS)}`;
}
