import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FhirError } from '../../src/fhir/errors.ts';
import { applyJsonPatch } from '../../src/fhir/patch/index.ts';

interface Case {
  comment: string;
  doc: Record<string, unknown>;
  patch: unknown;
  expected?: Record<string, unknown>;
  error?: string;
  disabled?: boolean;
}

const cases = JSON.parse(
  readFileSync(join(process.cwd(), '../shared/testdata/fhir-test-cases/r4/patch/json-patch-tests.json'), 'utf8'),
) as Case[];

function fails(fn: () => unknown, status: number, text?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FhirError, `expected a FhirError, got ${String(err)}`);
    assert.equal(err.status, status, err.message);
    if (text) assert.match(err.message, text);
    return true;
  });
}

describe('JSON Patch: the FHIR test cases', () => {
  it('has cases to run', () => assert.ok(cases.length >= 16));
  for (const c of cases) {
    if (c.error !== undefined) {
      it(`${c.comment.trim()}: fails with 422 (${c.error})`, () => fails(() => applyJsonPatch(c.doc, c.patch), 422));
    } else {
      it(`${c.comment.trim()}: gives the expected document`, () => assert.deepEqual(applyJsonPatch(c.doc, c.patch), c.expected));
    }
  }
});

describe('JSON Patch on a resource', () => {
  const patient = () => ({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Smith', given: ['Jo'] }], active: true });

  it('never changes its input', () => {
    const input = patient();
    const before = structuredClone(input);
    applyJsonPatch(input, [
      { op: 'add', path: '/name/0/given/-', value: 'Ann' },
      { op: 'remove', path: '/active' },
    ]);
    assert.deepEqual(input, before);
  });

  it('does not share values with the patch document', () => {
    const value = { system: 'phone', value: '1' };
    const out = applyJsonPatch(patient(), [{ op: 'add', path: '/telecom', value: [value] }]);
    value.value = 'changed';
    assert.deepEqual(out.telecom, [{ system: 'phone', value: '1' }]);
  });

  it('applies operations in order, each seeing the result of the one before', () => {
    const out = applyJsonPatch(patient(), [
      { op: 'add', path: '/birthDate', value: '1970-01-01' },
      { op: 'test', path: '/birthDate', value: '1970-01-01' },
      { op: 'copy', from: '/birthDate', path: '/deceasedDateTime' },
    ]);
    assert.equal(out.deceasedDateTime, '1970-01-01');
  });

  it('returns 422 for a failing test, naming the path', () => {
    fails(() => applyJsonPatch(patient(), [{ op: 'test', path: '/id', value: 'p2' }]), 422, /test failed: the value at \/id/);
  });

  it('returns 422 with a clear message when a path does not exist', () => {
    fails(() => applyJsonPatch(patient(), [{ op: 'remove', path: '/gender' }]), 422, /path \/gender does not exist/);
    fails(() => applyJsonPatch(patient(), [{ op: 'replace', path: '/name/3/family', value: 'X' }]), 422, /does not exist/);
    fails(() => applyJsonPatch(patient(), [{ op: 'move', from: '/nope', path: '/x' }]), 422, /from path \/nope does not exist/);
    fails(() => applyJsonPatch(patient(), [{ op: 'test', path: '/contact/0/name', value: 1 }]), 422);
    fails(() => applyJsonPatch(patient(), [{ op: 'add', path: '/name/5', value: {} }]), 422, /beyond the end/);
  });

  it('returns 400 for a malformed patch document', () => {
    for (const bad of [
      { op: 'add', path: '/x', value: 1 },
      'add',
      [{ op: 'frobnicate', path: '/x' }],
      [{ op: '_get', path: '/id' }],
      [{ op: 'add', path: 'x', value: 1 }],
      [{ op: 'add', path: '/x' }],
      [{ op: 'move', path: '/x' }],
      [{ op: 'replace', path: '/a~2b', value: 1 }],
      [{ op: 'move', from: '/name', path: '/name/0' }],
      [42],
    ]) {
      fails(() => applyJsonPatch(patient(), bad), 400);
    }
  });

  it('rejects a patch that leaves something other than an object', () => {
    fails(() => applyJsonPatch(patient(), [{ op: 'replace', path: '', value: [1] }]), 422);
  });

  it('refuses to touch the prototype chain', () => {
    fails(() => applyJsonPatch(patient(), [{ op: 'add', path: '/__proto__/polluted', value: true }]), 400);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
