/**
 * special parameters over positions: Location's `near` (Location.position), the one special
 * parameter of R4. Index: latitude and longitude (WGS84 degrees) of each position.
 * Query: `near=latitude|longitude|distance|units`: positions within `distance` (great-circle)
 * of the point. `units` is a UCUM length (`km`, `m`, `[mi_i]`, `[ft_i]` …; `mi` is taken as
 * `[mi_i]`), kilometres when left out; when the distance is left out, 5 km. Results are ordered by
 * distance from the (first) point unless `_sort` says otherwise; `_sort=near` asks for it.
 */
import { FhirError } from '../../fhir/errors.ts';
import { or, type Filter } from '../../storage/search/index.ts';
import { isObject, splitEscaped, unescape } from '../normalize.ts';
import { toCanonical, ucum } from '../ucum.ts';
import { numberOf } from './number.ts';
import { missingFilter, modifierError, push, valueError, type ParamQuery, type ParamType } from './types.ts';

/** Metres, when the distance is left out. */
export const DEFAULT_DISTANCE = 5_000;
const ALIASES: Record<string, string> = { mi: '[mi_i]', mile: '[mi_i]', miles: '[mi_i]', kms: 'km', ft: '[ft_i]' };

export interface NearValue {
  latitude: number;
  longitude: number;
  /** Metres. */
  distance: number;
}

export function parseNear(q: Pick<ParamQuery, 'sp'>, raw: string): NearValue {
  const expected = 'latitude|longitude|distance|units, e.g. 53.8|-1.55|10|km';
  const parts = splitEscaped(raw, '|').map(unescape);
  if (parts.length < 2 || parts.length > 4) throw valueError(q as ParamQuery, raw, expected);
  const [lat, lon, dist, units] = parts;
  const latitude = numberOf(lat);
  const longitude = numberOf(lon);
  if (latitude === undefined || longitude === undefined || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) throw valueError(q as ParamQuery, raw, `${expected} (latitude −90 to 90, longitude −180 to 180)`);
  if (dist === undefined || dist === '') return { latitude, longitude, distance: DEFAULT_DISTANCE };
  const d = numberOf(dist);
  if (d === undefined || d < 0) throw valueError(q as ParamQuery, raw, `${expected} (a distance of 0 or more)`);
  const code = units ? (ALIASES[units] ?? units) : 'km';
  const c = ucum.canonical(code);
  if (!c || c.unit !== 'm') throw new FhirError('incorrect', `${q.sp.code}=${raw}: ${units} is not a unit of length (km, m, [mi_i] …)`);
  return { latitude, longitude, distance: toCanonical(c, d) };
}

export const positionType: ParamType = {
  table: 'idx_position',
  index(values, param, rows) {
    for (const v of values) {
      if (!isObject(v)) continue;
      const latitude = numberOf(v.latitude);
      const longitude = numberOf(v.longitude);
      if (latitude === undefined || longitude === undefined || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) continue;
      push(rows, 'position', { param, latitude, longitude });
    }
  },
  filter(q) {
    if (q.modifier === 'missing') return missingFilter('idx_position', q);
    if (q.modifier !== undefined) throw modifierError(q);
    return or(q.values.map((v): Filter => ({ kind: 'near', param: q.param, ...parseNear(q, v) })));
  },
  sort() {
    throw new FhirError('incorrect', '_sort=near needs a near parameter in the same search');
  },
};
