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

test('every way a number can be written that a plain parse would change is kept, wherever the number stands', () => {
  const cases: [text: string, written: string][] = [
    ['{"a":0.0000001}', '{"a":0.0000001}'], // written out where String() would write 1e-7
    ['{"a":0.12345678901234567891}', '{"a":0.12345678901234567891}'], // more digits than a double holds
    ['{"a":12345678901234567890123}', '{"a":12345678901234567890123}'],
    ['{"a" : 1.50}', '{"a":1.50}'], // whitespace before the colon
    ['{\n  "a": [\n    1,\n    2.0\n  ]\n}', '{"a":[1,2.0]}'], // in an array, pretty-printed
    ['[1, 2.50]', '[1,2.50]'],
    ['{"a":-0.0,"b":1E5}', '{"a":-0.0,"b":1E5}'],
  ];
  for (const [text, written] of cases) assert.equal(stringifyFhirJson(parseFhirJson(text)), written, text);
});

test('number look-alikes inside strings are left alone', () => {
  const text = '{"div":"Person seed: 8766734163625651911, 2.50 [1.0","n":[1.5,178.69452709041775]}';
  const value = parseFhirJson(text) as { div: string; n: number[] };
  assert.equal(value.div, 'Person seed: 8766734163625651911, 2.50 [1.0');
  assert.equal(stringifyFhirJson(value), text);
});
