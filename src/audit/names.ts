/**
 * Names for the people and organisations an access log mentions, read from their resources
 * (Practitioner, PractitionerRole, Patient, RelatedPerson, Organization). Used only to answer the
 * patient; never logged.
 */
import type { Db } from '../interactions/types.ts';
import { parseReference } from './build.ts';

export interface Named {
  /** A person's or organisation's name. */
  name?: string;
  /** What the person does, e.g. "GP" (from a PractitionerRole). */
  role?: string;
  /** The organisation a PractitionerRole is at, as a reference. */
  organization?: string;
}

type Json = Record<string, any>;

function humanName(names: unknown): string | undefined {
  if (!Array.isArray(names) || !names.length) return undefined;
  const n = (names.find((x: Json) => x?.use === 'usual') ?? names.find((x: Json) => x?.use === 'official') ?? names[0]) as Json;
  if (typeof n?.text === 'string' && n.text.trim()) return n.text.trim();
  const parts = [...(Array.isArray(n?.prefix) ? n.prefix : []), ...(Array.isArray(n?.given) ? n.given : []), n?.family].filter((p) => typeof p === 'string' && p);
  return parts.length ? parts.join(' ') : undefined;
}

function conceptText(concepts: unknown): string | undefined {
  if (!Array.isArray(concepts) || !concepts.length) return undefined;
  const c = concepts[0] as Json;
  return c?.text ?? (Array.isArray(c?.coding) ? c.coding.find((x: Json) => typeof x?.display === 'string')?.display : undefined);
}

async function readJson(db: Db, ref: string): Promise<Json | undefined> {
  const r = parseReference(ref);
  if (!r) return undefined;
  const v = await db.readCurrent(r.type, r.id);
  if (!v?.json) return undefined;
  try {
    return JSON.parse(v.json) as Json;
  } catch {
    return undefined;
  }
}

async function describe(db: Db, ref: string): Promise<Named> {
  const res = await readJson(db, ref);
  if (!res) return {};
  switch (res.resourceType) {
    case 'Organization':
      return { name: typeof res.name === 'string' ? res.name : undefined };
    case 'PractitionerRole': {
      const practitioner = typeof res.practitioner?.reference === 'string' ? await readJson(db, res.practitioner.reference) : undefined;
      return {
        name: humanName(practitioner?.name) ?? res.practitioner?.display,
        role: conceptText(res.code) ?? conceptText(res.specialty),
        organization: typeof res.organization?.reference === 'string' ? res.organization.reference : undefined,
      };
    }
    default:
      return { name: humanName(res.name) };
  }
}

/** Looks up each reference once (unknown ones map to {}), organisations of PractitionerRoles included. */
export async function resolveNames(db: Db, refs: Iterable<string>): Promise<Map<string, Named>> {
  const out = new Map<string, Named>();
  const look = async (list: string[]) => {
    const todo = [...new Set(list)].filter((r) => !out.has(r));
    const found = await Promise.all(todo.map((r) => describe(db, r).catch(() => ({}) as Named)));
    todo.forEach((r, i) => out.set(r, found[i]));
  };
  await look([...refs]);
  await look([...out.values()].map((n) => n.organization).filter((o): o is string => o !== undefined));
  return out;
}
