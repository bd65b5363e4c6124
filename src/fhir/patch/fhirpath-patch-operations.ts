/**
 * Reads the operations of a FHIRPath Patch document (a Parameters resource, see
 * https://hl7.org/fhir/R4/fhirpatch.html) and checks that each is well formed.
 * A malformed document is a 400 (FhirError 'incorrect').
 */
import { FhirError } from '../errors.ts';

export type OperationType = 'add' | 'insert' | 'delete' | 'replace' | 'move';

export interface PatchOperation {
  type: OperationType;
  path: string;
  /** add: the name of the element to add. */
  name?: string;
  /** add, insert, replace: the `value` part, interpreted later against the target element. */
  value?: Record<string, unknown>;
  /** insert: the list index to insert at. */
  index?: number;
  /** move: list indexes to move from and to. */
  source?: number;
  destination?: number;
  /** Where the operation is in the Parameters, for error messages (`Parameters.parameter[0]`). */
  where: string;
}

/** Which parts each operation type takes; all of them are required. */
const PARTS: Record<OperationType, readonly string[]> = {
  add: ['type', 'path', 'name', 'value'],
  insert: ['type', 'path', 'index', 'value'],
  delete: ['type', 'path'],
  replace: ['type', 'path', 'value'],
  move: ['type', 'path', 'source', 'destination'],
};
const ALL_PARTS = new Set(['type', 'path', 'name', 'value', 'index', 'source', 'destination']);

type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function malformed(message: string, where: string): FhirError {
  return new FhirError('incorrect', `Invalid FHIRPath Patch: ${message}`, { expression: [where] });
}

/** The typed `value[x]` keys of a Parameters part (`valueString`, `valueHumanName` …). */
export function valueKeys(part: Json): string[] {
  return Object.keys(part).filter((k) => /^value[A-Z]/.test(k));
}

export function readPatchOperations(parameters: unknown): PatchOperation[] {
  if (!isObject(parameters) || parameters.resourceType !== 'Parameters') {
    throw malformed('the patch document must be a Parameters resource', 'Parameters');
  }
  const list = parameters.parameter ?? [];
  if (!Array.isArray(list)) throw malformed('Parameters.parameter must be an array', 'Parameters.parameter');
  return list.map((p, i) => readOperation(p, `Parameters.parameter[${i}]`));
}

function readOperation(p: unknown, where: string): PatchOperation {
  if (!isObject(p) || p.name !== 'operation') throw malformed(`each parameter must be named 'operation'`, where);
  if (!Array.isArray(p.part)) throw malformed('an operation must have parts', where);
  const parts = new Map<string, Json>();
  p.part.forEach((part: unknown, j: number) => {
    const at = `${where}.part[${j}]`;
    if (!isObject(part) || typeof part.name !== 'string') throw malformed('each part must have a name', at);
    if (!ALL_PARTS.has(part.name)) throw malformed(`unknown part '${part.name}'`, at);
    if (parts.has(part.name)) throw malformed(`part '${part.name}' appears more than once`, at);
    parts.set(part.name, part);
  });
  const type = parts.get('type')?.valueCode;
  if (typeof type !== 'string' || !(type in PARTS)) {
    throw malformed(`the 'type' part must have a valueCode of add, insert, delete, replace or move (got ${JSON.stringify(type)})`, where);
  }
  const wanted = PARTS[type as OperationType];
  for (const name of wanted) if (!parts.has(name)) throw malformed(`the ${type} operation needs a '${name}' part`, where);
  for (const name of parts.keys()) if (!wanted.includes(name)) throw malformed(`the ${type} operation takes no '${name}' part`, where);

  const op: PatchOperation = { type: type as OperationType, path: stringPart(parts, 'path', where), where };
  if (parts.has('name')) op.name = stringPart(parts, 'name', where);
  for (const name of ['index', 'source', 'destination'] as const) if (parts.has(name)) op[name] = integerPart(parts, name, where);
  const value = parts.get('value');
  if (value) {
    const typed = valueKeys(value);
    const shapes = typed.length + (value.part !== undefined ? 1 : 0) + (value.resource !== undefined ? 1 : 0);
    if (shapes !== 1 || typed.length > 1) throw malformed(`the 'value' part must have exactly one of value[x], part or resource`, where);
    if (value.part !== undefined && !Array.isArray(value.part)) throw malformed(`the 'value' part's 'part' must be an array`, where);
    op.value = value;
  }
  return op;
}

function stringPart(parts: Map<string, Json>, name: string, where: string): string {
  const v = parts.get(name)?.valueString;
  if (typeof v !== 'string' || v.trim() === '') throw malformed(`the '${name}' part must have a non-empty valueString`, where);
  return v;
}

function integerPart(parts: Map<string, Json>, name: string, where: string): number {
  const v = parts.get(name)?.valueInteger;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw malformed(`the '${name}' part must have a valueInteger of 0 or more`, where);
  return v;
}
