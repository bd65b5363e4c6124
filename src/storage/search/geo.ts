/**
 * Great-circle geometry for `near`, in SQL both databases run (sin, cos, power: SQLite's math
 * functions, which better-sqlite3 builds in, and PostgreSQL's own). A position is within d metres
 * of a point when the haversine of their central angle is at most sin²(d / 2R); a box of latitudes
 * and longitudes around the point, read from the position index, narrows the candidates first.
 */
import type { Params } from './conds.ts';

/** The Earth's mean radius (IUGG), metres. */
export const EARTH_RADIUS = 6_371_008.8;
const RAD = Math.PI / 180;

export interface Box {
  minLat: number;
  maxLat: number;
  /** One range, or two where the box crosses the antimeridian. */
  lon: [number, number][];
}

/** The latitude/longitude box that holds every point within `distance` metres of (lat, lon). */
export function boundingBox(lat: number, lon: number, distance: number): Box {
  const angle = distance / EARTH_RADIUS;
  const minLat = lat - angle / RAD;
  const maxLat = lat + angle / RAD;
  if (minLat <= -90 || maxLat >= 90 || angle >= Math.PI / 2) return { minLat: Math.max(minLat, -90), maxLat: Math.min(maxLat, 90), lon: [[-180, 180]] };
  const dLon = Math.asin(Math.min(1, Math.sin(angle) / Math.cos(lat * RAD))) / RAD;
  const lo = lon - dLon;
  const hi = lon + dLon;
  if (lo < -180) return { minLat, maxLat, lon: [[lo + 360, 180], [-180, hi]] };
  if (hi > 180) return { minLat, maxLat, lon: [[lo, 180], [-180, hi - 360]] };
  return { minLat, maxLat, lon: [[lo, hi]] };
}

/** SQL for the haversine of the central angle between the row's position (alias `a`) and the point: it orders as the distance does. */
export function haversineSql(a: string, lat: number, lon: number, p: Params): string {
  const half = (col: string, v: number) => `power(sin((${a}.${col} - ${p.add(v)}) * ${RAD / 2}), 2)`;
  return `(${half('latitude', lat)} + ${p.add(Math.cos(lat * RAD))} * cos(${a}.latitude * ${RAD}) * ${half('longitude', lon)})`;
}

/** The largest haversine within `distance` metres (Infinity: every point on Earth is). */
export function haversineLimit(distance: number): number {
  const half = distance / (2 * EARTH_RADIUS);
  return half >= Math.PI / 2 ? Infinity : Math.sin(half) ** 2;
}

/** Conditions on alias `a`'s latitude and longitude: within the box and within the distance. */
export function nearSql(a: string, lat: number, lon: number, distance: number, p: Params): string {
  const box = boundingBox(lat, lon, distance);
  const lons = box.lon.map(([lo, hi]) => `(${a}.longitude >= ${p.add(lo)} AND ${a}.longitude <= ${p.add(hi)})`);
  const limit = haversineLimit(distance);
  return [
    `${a}.latitude >= ${p.add(box.minLat)} AND ${a}.latitude <= ${p.add(box.maxLat)}`,
    lons.length === 1 ? lons[0] : `(${lons.join(' OR ')})`,
    ...(limit === Infinity ? [] : [`${haversineSql(a, lat, lon, p)} <= ${p.add(limit)}`]),
  ].join(' AND ');
}
