/**
 * Care relationships read from the index tables: which Patients a set of references (a
 * clinician, their role, their organisation) is linked to through current resources. Each rule
 * names a resource type, the reference parameters that point at the clinician, the status codes
 * that make it open, and the reference parameter that names the Patient ('' for Patient itself).
 * A rule with statuses is driven by the status index (what is open now is small beside an
 * organisation's history: 100,000 finished Encounters cost 225 ms the other way round, 4 ms this
 * way); the others, and the one-patient check, by the (resource_type, param, target_id,
 * target_type) index.
 */
import type { Params } from '../search/compiler.ts';

export interface RelationshipRule {
  resourceType: string;
  /** The reference parameter naming the patient; '' when the rule's resources are the Patients themselves. */
  patientParam: string;
  /** (param, 'Type/id') pairs that link the resource to the accessor; any one suffices. */
  via: readonly { param: string; target: string }[];
  /** Token codes of the `status` parameter that count; undefined: any. */
  statuses?: readonly string[];
}

function split(target: string): [string, string] {
  const slash = target.indexOf('/');
  return [target.slice(0, slash), target.slice(slash + 1)];
}

/** rids of `rule.resourceType` resources referring to the accessor (a UNION ALL of index lookups). */
function linkedRids(rule: RelationshipRule, p: Params): string {
  return rule.via
    .map(({ param, target }) => {
      const [type, id] = split(target);
      return `SELECT a.rid FROM idx_reference a WHERE a.resource_type = ${p.add(rule.resourceType)} AND a.param = ${p.add(param)} AND a.target_id = ${p.add(id)} AND a.target_type = ${p.add(type)}`;
    })
    .join(' UNION ALL ');
}

/** The row `alias` (rid column) refers to the accessor. */
function linkedProbe(alias: string, rule: RelationshipRule, p: Params): string {
  const any = rule.via.map(({ param, target }) => {
    const [type, id] = split(target);
    return `(a.param = ${p.add(param)} AND a.target_id = ${p.add(id)} AND a.target_type = ${p.add(type)})`;
  });
  return `EXISTS (SELECT 1 FROM idx_reference a WHERE a.rid = ${alias}.rid AND (${any.join(' OR ')}))`;
}

function statusProbe(alias: string, rule: RelationshipRule, p: Params): string | undefined {
  if (!rule.statuses) return undefined;
  return `EXISTS (SELECT 1 FROM idx_token s WHERE s.rid = ${alias}.rid AND s.param = ${p.add('status')} AND s.code IN (${rule.statuses.map((c) => p.add(c)).join(', ')}))`;
}

/**
 * rids of open `rule.resourceType` resources referring to the accessor, driven by the status
 * index: the resources open now are few beside an organisation's whole history of Encounters.
 */
function openLinkedRids(rule: RelationshipRule, statuses: readonly string[], p: Params): string {
  const open = `s.resource_type = ${p.add(rule.resourceType)} AND s.param = ${p.add('status')} AND s.code IN (${statuses.map((c) => p.add(c)).join(', ')})`;
  return `SELECT s.rid FROM idx_token s WHERE ${open} AND ${linkedProbe('s', rule, p)}`;
}

/** Column `patient_id`: every Patient linked to the accessor by some rule, once each. */
export function relatedPatientsSql(rules: readonly RelationshipRule[], p: Params): string {
  const parts = rules
    .filter((r) => r.via.length)
    .map((rule) => {
      if (rule.patientParam === '') return `SELECT r.id AS patient_id FROM resources r WHERE r.rid IN (${linkedRids(rule, p)}) AND NOT r.deleted`;
      const rids = rule.statuses ? openLinkedRids(rule, rule.statuses, p) : linkedRids(rule, p);
      return `SELECT x.target_id AS patient_id FROM idx_reference x WHERE x.rid IN (${rids}) AND x.param = ${p.add(rule.patientParam)} AND x.target_type = ${p.add('Patient')}`;
    });
  if (!parts.length) return `SELECT NULL AS patient_id WHERE 1 = 0`;
  return `SELECT patient_id FROM (${parts.join(' UNION ')}) t WHERE patient_id IS NOT NULL`;
}

/** Column `hit`: one row when some rule links the accessor to this one Patient. */
export function hasRelationshipSql(rules: readonly RelationshipRule[], patientId: string, p: Params): string {
  const parts = rules
    .filter((r) => r.via.length)
    .map((rule) => {
      if (rule.patientParam === '') {
        return `SELECT 1 AS hit FROM resources r WHERE r.resource_type = ${p.add(rule.resourceType)} AND r.id = ${p.add(patientId)} AND NOT r.deleted AND ${linkedProbe('r', rule, p)}`;
      }
      const where = [
        `x.resource_type = ${p.add(rule.resourceType)}`,
        `x.param = ${p.add(rule.patientParam)}`,
        `x.target_id = ${p.add(patientId)}`,
        `x.target_type = ${p.add('Patient')}`,
        statusProbe('x', rule, p),
        linkedProbe('x', rule, p),
      ].filter(Boolean);
      return `SELECT 1 AS hit FROM idx_reference x WHERE ${where.join(' AND ')}`;
    });
  if (!parts.length) return `SELECT 1 AS hit WHERE 1 = 0`;
  return `SELECT hit FROM (${parts.join(' UNION ALL ')}) t LIMIT 1`;
}
