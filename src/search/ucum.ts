/**
 * UCUM canonical units for quantity search: a unit code → its canonical (base-unit) form and how
 * values convert to it, so that `5.4|http://unitsofmeasure.org|mmol/L` finds 0.0054 mol/L.
 *
 * Conversion is by `@lhncbc/ucum-lhc` (the NLM's UCUM implementation, which `fhirpath` already
 * depends on and loads). Every unit it can convert is used, as `canonical = value × factor + offset`:
 * multiplicative units (mg, [lb_av], mmol/L, /min, %), and the affine temperatures (Cel, [degF]:
 * an offset to kelvin). Units that are neither (logarithmic: [pH], dB, Np), arbitrary units
 * ([iU], [arb'U]) and codes that are not UCUM are left out: they match by their code only.
 * Results are cached per code (codes in real data are few).
 *
 * UCUM treats the mole as a number (6.022…×10²³), so mol/L and 1/L (cell counts) share a
 * canonical unit, as UCUM says they are commensurable; their magnitudes differ by 10²³.
 */
import { createRequire } from 'node:module';

export const UCUM = 'http://unitsofmeasure.org';

export interface Canonical {
  /** The canonical unit, base units with exponents in a fixed order: "g.m-3", "1" for a pure number. */
  unit: string;
  factor: number;
  offset: number;
}

/** What quantity search needs from a UCUM implementation (another one can be put in its place). */
export interface UnitConverter {
  canonical(code: string): Canonical | undefined;
}

interface UcumLhcUtils {
  convertToBaseUnits(unit: string, value: number): { status: string; magnitude?: number; unitToExp?: Record<string, number> };
}

/** 15 significant digits: enough for any measurement, and it hides binary noise (5.4e-3 × 1e3). */
export function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(15)) : x;
}

class UcumLhcConverter implements UnitConverter {
  private utils?: UcumLhcUtils;
  private readonly cache = new Map<string, Canonical | null>();

  private lhc(): UcumLhcUtils {
    if (!this.utils) {
      const require = createRequire(import.meta.url);
      const pkg = require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumLhcUtils } };
      this.utils = pkg.UcumLhcUtils.getInstance();
    }
    return this.utils;
  }

  canonical(code: string): Canonical | undefined {
    let c = this.cache.get(code);
    if (c === undefined) {
      c = this.compute(code);
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(code, c);
    }
    return c ?? undefined;
  }

  private compute(code: string): Canonical | null {
    if (!code || code.length > 100) return null;
    const at = (v: number) => {
      try {
        const r = this.lhc().convertToBaseUnits(code, v);
        return r.status === 'succeeded' && typeof r.magnitude === 'number' && Number.isFinite(r.magnitude) ? r : undefined;
      } catch {
        return undefined;
      }
    };
    const r0 = at(0);
    const r1 = at(1);
    const r10 = at(10);
    if (!r0 || !r1 || !r10 || !r1.unitToExp) return null;
    const offset = r0.magnitude!;
    const factor = r1.magnitude! - offset;
    // linear or affine only: logarithmic units (pH, dB) are not
    if (!(factor > 0) || Math.abs(r10.magnitude! - (offset + 10 * factor)) > 1e-9 * Math.max(Math.abs(r10.magnitude!), 1e-300)) return null;
    const unit =
      Object.entries(r1.unitToExp)
        .filter(([, e]) => e !== 0)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([u, e]) => (e === 1 ? u : `${u}${e}`))
        .join('.') || '1';
    return { unit, factor, offset: Math.abs(offset) < 1e-12 * factor ? 0 : offset };
  }
}

/** The converter quantity search uses. */
export const ucum: UnitConverter = new UcumLhcConverter();

/** `value` in the canonical unit. */
export function toCanonical(c: Canonical, value: number): number {
  return c.factor === 1 && c.offset === 0 ? value : round(value * c.factor + c.offset);
}
