/**
 * The Patients whose record a resource is part of (its Patient compartments), without building
 * every index row: only the compartment's reference parameters are evaluated. Access control
 * and audit ask this of every resource they see.
 */
import type { IndexRows } from '../storage/index.ts';
import { patientCompartmentParams } from './compartment.ts';
import { compileExpression } from './expression.ts';
import { referenceType } from './params/reference.ts';
import type { SearchRegistry } from './registry.ts';

type PatientsOf = (resource: { resourceType: string; id?: string }) => string[];

export function patientExtractor(registry: SearchRegistry): PatientsOf {
  const byType = new Map<string, { generation: number; extract: ((resource: unknown, rows: IndexRows) => void)[] }>();
  const extractorsOf = (type: string) => {
    let entry = byType.get(type);
    if (entry && entry.generation === registry.generation) return entry.extract;
    const extract: ((resource: unknown, rows: IndexRows) => void)[] = [];
    for (const code of patientCompartmentParams(type)) {
      const sp = registry.param(type, code);
      if (!sp?.expression || sp.type !== 'reference') continue;
      const { evaluate } = compileExpression(sp.expression, type);
      extract.push((resource, rows) => referenceType.index(evaluate(resource), code, rows));
    }
    byType.set(type, (entry = { generation: registry.generation, extract }));
    return extract;
  };
  return (resource) => {
    const ids = new Set<string>();
    if (resource.resourceType === 'Patient' && resource.id) ids.add(resource.id);
    const extract = extractorsOf(resource.resourceType);
    if (extract.length) {
      const rows: IndexRows = {};
      for (const e of extract) e(resource, rows);
      for (const r of rows.reference ?? []) if (r.targetType === 'Patient' && r.targetId) ids.add(r.targetId);
    }
    return [...ids];
  };
}
