import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepDecimalTexts, parseFhirJson, stringifyFhirJson } from '../../src/fhir/json.ts';

test('decimals keep their written precision through parse and stringify', () => {
  const text = '{"resourceType":"Observation","valueQuantity":{"value":6.0},"component":[{"valueDecimal":0.40},{"valueDecimal":1e3}],"note":[{"text":"x 1.0, y"}]}';
  const value = parseFhirJson(text) as any;
  assert.equal(value.valueQuantity.value, 6);
  assert.equal(stringifyFhirJson(value), text);
  assert.match(stringifyFhirJson(value, 2), /"value": 6\.0/);
});

test('spread copies and rewritten copies keep the decimal texts', () => {
  const value = parseFhirJson('{"a":{"b":2.50}}') as any;
  assert.equal(stringifyFhirJson({ id: '1', ...value }), '{"id":"1","a":{"b":2.50}}');
  const copy = keepDecimalTexts(value, { ...value });
  assert.equal(stringifyFhirJson(copy), '{"a":{"b":2.50}}');
});

test('a changed value is written as the number it now is', () => {
  const value = parseFhirJson('{"a":2.50}') as any;
  value.a = 3;
  assert.equal(stringifyFhirJson(value), '{"a":3}');
});

test('plain documents parse as JSON.parse does, and malformed ones throw SyntaxError', () => {
  assert.deepEqual(parseFhirJson('{"a":[1,2.5,"x"],"b":null,"c":true}'), { a: [1, 2.5, 'x'], b: null, c: true });
  for (const bad of ['{"a":1.0,}', '{"a":1.0', '[1.0 2]', '{"a":01.0}', '{"a":"1.0\\x"}']) assert.throws(() => parseFhirJson(bad), SyntaxError, bad);
  const v = parseFhirJson('{"s":"a\\"b\\u00e9","n":-0}') as { s: string; n: number };
  assert.equal(v.s, 'a"bé');
  assert.ok(Object.is(v.n, -0));
  assert.equal(stringifyFhirJson(v), '{"s":"a\\"bé","n":-0}');
});
