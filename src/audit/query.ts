/**
 * AuditEvent search parameters → an audit query: `_id`, `patient`, `entity`, `agent`, `date` (and
 * `_lastUpdated`) with prefixes, `type`, `subtype`, `action`, `outcome`, `purpose`, `_security`
 * (BTG: break-glass), `_count`, `_sort=-date` and `_cursor`. Values separated by commas are
 * alternatives; repeated parameters all apply. `entity` finds what the events are indexed by:
 * every patient, and the resource of a single-resource read or of a write — not a resource among
 * a search's (or an operation's) results, which its event lists without indexing (docs/audit.md).
 */
import { dateRange } from '../fhir/dates.ts';
import { FhirError } from '../fhir/errors.ts';
import type { AuditColumn, AuditCriterion, AuditKey } from '../storage/audit/index.ts';
import { parseReference } from './build.ts';
import { REST_TYPE, SYSTEM } from './codes.ts';

export interface AuditSearch {
  criteria: AuditCriterion[];
  count: number;
  cursor?: AuditKey;
  /** The parameters applied (not `_count` or `_cursor`, which the page's links add), as the self link shows them. */
  used: [string, string][];
}

export interface AuditSearchOptions {
  defaultCount: number;
  maxCount: number;
  now: number;
  /** Refuse unknown parameters (Prefer: handling=strict) instead of ignoring them. */
  strict?: boolean;
  /** Parameters this caller does not take (e.g. `patient` on $access-log, which names its patient in the path). */
  exclude?: readonly string[];
}

const IGNORED = new Set(['_format', '_pretty', '_total', '_summary', '_elements']);

const splitValues = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

/** `Type/id`, `Type/id/_history/n` or an absolute URL ending so → `Type/id`; a bare id → `${type}/id` when the parameter implies the type. */
function reference(name: string, value: string, impliedType?: string): string {
  const ref = parseReference(value);
  if (ref) {
    if (impliedType && ref.type !== impliedType) throw new FhirError('incorrect', `${name}=${value} does not name a ${impliedType}`);
    return `${ref.type}/${ref.id}`;
  }
  if (impliedType && /^[A-Za-z0-9\-.]{1,64}$/.test(value)) return `${impliedType}/${value}`;
  throw new FhirError('incorrect', `${name}=${value} is not a reference such as ${impliedType ?? 'Observation'}/123`);
}

/** `[system|]code` values whose system, when given, is `system` → their codes. */
function codes(value: string, systems: readonly string[]): string[] {
  return splitValues(value).flatMap((v) => {
    const bar = v.indexOf('|');
    if (bar < 0) return [v];
    return systems.includes(v.slice(0, bar)) ? [v.slice(bar + 1)] : [];
  });
}

function columnCriterion(column: AuditColumn, values: (string | number)[]): AuditCriterion {
  return { kind: 'column', values: values.map((value) => ({ column, value })) };
}

function dateCriteria(name: string, value: string, now: number): AuditCriterion[] {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$/.exec(value)!;
  const prefix = m[1] ?? 'eq';
  const range = dateRange(m[2]);
  if (!range) throw new FhirError('incorrect', `${name}=${value} is not a date, e.g. 2024-03-01 or ge2024-03-01T09:00:00Z`);
  const { low, high } = range;
  switch (prefix) {
    case 'eq':
      return [{ kind: 'recorded', op: 'ge', value: low }, { kind: 'recorded', op: 'le', value: high }];
    case 'ne':
      return [{ kind: 'recorded-not', low, high }];
    case 'lt':
    case 'eb':
      return [{ kind: 'recorded', op: 'lt', value: low }];
    case 'gt':
    case 'sa':
      return [{ kind: 'recorded', op: 'gt', value: high }];
    case 'ge':
      return [{ kind: 'recorded', op: 'ge', value: low }];
    case 'le':
      return [{ kind: 'recorded', op: 'le', value: high }];
    default: {
      const gap = Math.abs(now - (low + high) / 2) * 0.1;
      return [{ kind: 'recorded', op: 'ge', value: Math.floor(low - gap) }, { kind: 'recorded', op: 'le', value: Math.ceil(high + gap) }];
    }
  }
}

export function encodeAuditCursor(key: AuditKey): string {
  return Buffer.from(`${key.recorded}.${key.seq}`, 'utf8').toString('base64url');
}

function decodeCursor(text: string): AuditKey {
  const m = /^(-?\d+)\.(\d+)$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!m) throw new FhirError('incorrect', `_cursor=${text} is not a page cursor of this search`);
  return { recorded: Number(m[1]), seq: Number(m[2]) };
}

export function parseAuditSearch(params: readonly [string, string][], opts: AuditSearchOptions): AuditSearch {
  const criteria: AuditCriterion[] = [];
  const used: [string, string][] = [];
  let count = opts.defaultCount;
  let cursor: AuditKey | undefined;
  for (const [name, value] of params) {
    if (opts.exclude?.includes(name)) throw new FhirError('incorrect', `${name} is not a parameter here`);
    let applied = true;
    switch (name) {
      case '_id':
        criteria.push({ kind: 'id', values: splitValues(value).filter((v) => /^\d{1,15}$/.test(v)).map(Number) });
        break;
      case 'patient':
        criteria.push({ kind: 'reference', values: splitValues(value).map((v) => reference(name, v, 'Patient')) });
        break;
      case 'entity':
        criteria.push({ kind: 'reference', values: splitValues(value).map((v) => reference(name, v)) });
        break;
      case 'agent': {
        const values = splitValues(value).flatMap((v): { column: AuditColumn; value: string }[] =>
          parseReference(v) ? [{ column: 'agent', value: reference(name, v) }] : [{ column: 'user_name', value: v }, { column: 'client_id', value: v }],
        );
        criteria.push({ kind: 'column', values });
        break;
      }
      case 'date':
      case '_lastUpdated':
        if (value.includes(',')) throw new FhirError('incorrect', `${name}: give one date per parameter (repeat the parameter for a range)`);
        criteria.push(...dateCriteria(name, value, opts.now));
        break;
      case 'type':
        criteria.push(columnCriterion('type', codes(value, [REST_TYPE.system])));
        break;
      case 'subtype':
        criteria.push(columnCriterion('subtype', codes(value, [SYSTEM.restful])));
        break;
      case 'action':
        criteria.push(columnCriterion('action', codes(value, ['http://hl7.org/fhir/audit-event-action'])));
        break;
      case 'outcome':
        criteria.push(columnCriterion('outcome', codes(value, ['http://hl7.org/fhir/audit-event-outcome']).filter((c) => /^\d+$/.test(c)).map(Number)));
        break;
      case 'purpose':
        criteria.push(columnCriterion('purpose', codes(value, [SYSTEM.actReason])));
        break;
      case '_security': {
        const btg = codes(value, [SYSTEM.actCode]).includes('BTG');
        criteria.push(btg ? { kind: 'break-glass', value: true } : { kind: 'id', values: [] });
        break;
      }
      case '_count': {
        const n = Number(value);
        if (!/^\d+$/.test(value)) throw new FhirError('incorrect', `_count=${value} is not a whole number of 0 or more`);
        count = Math.min(n, opts.maxCount);
        applied = false; // the page's links show the count in force
        break;
      }
      case '_sort':
        if (value !== '-date' && value !== '-_lastUpdated') throw new FhirError('incorrect', `AuditEvents are listed newest first only: _sort=-date`, { code: 'not-supported' });
        break;
      case '_cursor':
        cursor = decodeCursor(value);
        applied = false;
        break;
      default:
        applied = false;
        if (opts.strict && !IGNORED.has(name)) throw new FhirError('incorrect', `${name} is not a search parameter of AuditEvent here`, { code: 'not-supported' });
    }
    if (applied) used.push([name, value]);
  }
  return { criteria, count, cursor, used };
}
