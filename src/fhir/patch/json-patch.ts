/**
 * JSON Patch (RFC 6902) on a FHIR resource, with fast-json-patch. The patch document is
 * checked on its own first (400 if malformed), then applied to a copy of the resource;
 * operations that do not fit the resource — a failing `test`, a path that does not
 * exist — are a 422.
 */
import { createRequire } from 'node:module';
import type { JsonPatchError as PatchError, Operation } from 'fast-json-patch';
import { FhirError } from '../errors.ts';

// fast-json-patch is CommonJS without an `exports` map; Node cannot see its named exports from ESM.
const { applyPatch, JsonPatchError, validate } = createRequire(import.meta.url)('fast-json-patch') as typeof import('fast-json-patch');

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(op: Json | undefined, index: number): string {
  return op ? `operation ${index} (${String(op.op)} ${String(op.path)})` : `operation ${index}`;
}

/** A JSON Pointer (RFC 6901): empty, or `/`-separated tokens where `~` is only used as `~0` or `~1`. */
function isPointer(p: unknown): boolean {
  return typeof p === 'string' && (p === '' || (p.startsWith('/') && !/~([^01]|$)/.test(p)));
}

function checkDocument(operations: unknown): Operation[] {
  if (!Array.isArray(operations)) throw new FhirError('incorrect', 'Invalid JSON Patch: the patch document must be a JSON array of operations');
  operations.forEach((op: unknown, i) => {
    const where = `Invalid JSON Patch: ${describe(isObject(op) ? op : undefined, i)}`;
    if (!isObject(op)) throw new FhirError('incorrect', `${where} is not an object`);
    if (typeof op.op !== 'string' || !OPS.has(op.op)) throw new FhirError('incorrect', `${where}: 'op' must be one of ${[...OPS].join(', ')}`);
    if (!isPointer(op.path)) throw new FhirError('incorrect', `${where}: 'path' must be a JSON Pointer`);
    if ((op.op === 'move' || op.op === 'copy') && !isPointer(op.from)) throw new FhirError('incorrect', `${where}: 'from' must be a JSON Pointer`);
    if ([op.path, op.from].some((p) => typeof p === 'string' && /\/(__proto__|constructor|prototype)(\/|$)/.test(p))) {
      throw new FhirError('incorrect', `${where}: paths must not reach __proto__, constructor or prototype`);
    }
    if (op.op === 'move' && (op.path as string).startsWith(`${String(op.from)}/`)) {
      throw new FhirError('incorrect', `${where}: cannot move a value into one of its own children`);
    }
  });
  const error = validate(operations as Operation[]);
  if (error) throw new FhirError('incorrect', `Invalid JSON Patch: ${describe(error.operation as Json | undefined, error.index ?? 0)}: ${error.message}`);
  return structuredClone(operations) as Operation[];
}

function reason(error: PatchError): string {
  const op = error.operation as unknown as Json | undefined;
  switch (error.name) {
    case 'TEST_OPERATION_FAILED':
      return `test failed: the value at ${String(op?.path)} is not ${JSON.stringify(op?.value)}`;
    case 'OPERATION_PATH_UNRESOLVABLE':
      return `path ${String(op?.path)} does not exist in the resource`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `from path ${String(op?.from)} does not exist in the resource`;
    case 'OPERATION_PATH_CANNOT_ADD':
      return `path ${String(op?.path)} does not exist in the resource (missing objects are not created)`;
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
      return `${String(op?.path)} does not name an array element`;
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return `${String(op?.path)} is beyond the end of the array`;
    default:
      return error.message;
  }
}

/**
 * Applies a JSON Patch document to a resource and returns the patched copy; the input is
 * not changed. Malformed patch documents throw FhirError 'incorrect' (400); a failing
 * `test` or a path the resource does not have throws 'unprocessable' (422).
 */
export function applyJsonPatch(resource: Record<string, unknown>, operations: unknown): Record<string, unknown> {
  const patch = checkDocument(operations);
  let result: unknown = structuredClone(resource);
  for (const [i, op] of patch.entries()) {
    try {
      result = applyPatch(result, [op], true, true).newDocument;
    } catch (err) {
      const why = err instanceof JsonPatchError ? reason(err) : `it cannot be applied to the resource at ${op.path}`;
      throw new FhirError('unprocessable', `JSON Patch ${describe(op as unknown as Json, i)} failed: ${why}`);
    }
  }
  if (!isObject(result)) throw new FhirError('unprocessable', 'JSON Patch failed: the patched document is not a JSON object');
  return result;
}
