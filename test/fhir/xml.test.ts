import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadR4Definitions } from '../../src/fhir/definitions.ts';
import { FhirError } from '../../src/fhir/errors.ts';
import { parseFhirXml, toFhirXml } from '../../src/fhir/xml/index.ts';

const defs = loadR4Definitions();
const examples = join(process.cwd(), '../shared/testdata/r4-examples');
const files = readdirSync(examples)
  .filter((f) => f.endsWith('.json'))
  .sort();

function rejects(xml: string, text: RegExp): void {
  assert.throws(
    () => parseFhirXml(xml, defs),
    (err: unknown) => {
      assert.ok(err instanceof FhirError, `expected a FhirError, got ${String(err)}`);
      assert.equal(err.status, 400);
      assert.match(err.message, text);
      return true;
    },
  );
}

// Decimals: JSON numbers are JavaScript doubles, so the precision a decimal was written
// with (trailing zeros, digits beyond ~17 significant) is already gone once the JSON is
// parsed; XML carries the double's shortest string and reads back the same double, so the
// round trip itself loses nothing further.
describe('XML round trip of the R4 examples (JSON → XML → JSON)', () => {
  it('finds the 702 examples', () => assert.equal(files.length, 702));
  for (const [i, file] of files.entries()) {
    it(`${file} comes back unchanged`, () => {
      const json = JSON.parse(readFileSync(join(examples, file), 'utf8')) as Record<string, unknown>;
      const xml = toFhirXml(json, defs, i % 2 === 0);
      assert.deepStrictEqual(parseFhirXml(xml, defs), json);
    });
  }
});

describe('FHIR XML → JSON', () => {
  it('reads primitives, ids and extensions on primitives, repeats, choices and contained resources', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<Patient xmlns="http://hl7.org/fhir" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <id value="p1"/>
  <contained><Organization><id value="o1"/><name value="Acme &amp; Co&#10;Ltd"/></Organization></contained>
  <active value="true"/>
  <name id="n1">
    <given value="Ann"/>
    <given id="g2"><extension url="http://example.org/x"><valueInteger value="2"/></extension></given>
    <given value="Jo"/>
  </name>
  <birthDate value="1970-01-01"><extension url="http://example.org/t"><valueDateTime value="1970-01-01T10:00:00Z"/></extension></birthDate>
  <deceasedBoolean value="false"/>
  <multipleBirthInteger value="2"/>
</Patient>`;
    assert.deepStrictEqual(parseFhirXml(xml, defs), {
      resourceType: 'Patient',
      id: 'p1',
      contained: [{ resourceType: 'Organization', id: 'o1', name: 'Acme & Co\nLtd' }],
      active: true,
      name: [{ id: 'n1', given: ['Ann', null, 'Jo'], _given: [null, { id: 'g2', extension: [{ url: 'http://example.org/x', valueInteger: 2 }] }, null] }],
      birthDate: '1970-01-01',
      _birthDate: { extension: [{ url: 'http://example.org/t', valueDateTime: '1970-01-01T10:00:00Z' }] },
      deceasedBoolean: false,
      multipleBirthInteger: 2,
    });
  });

  it('keeps the narrative div as written', () => {
    const div = '<div xmlns="http://www.w3.org/1999/xhtml"><p class="x">a &amp; b<br/>&lt;c&gt;</p><!-- kept --></div>';
    const xml = `<Basic xmlns="http://hl7.org/fhir"><text><status value="generated"/>${div}</text><code><text value="t"/></code></Basic>`;
    assert.deepStrictEqual(parseFhirXml(xml, defs).text, { status: 'generated', div });
  });

  it('puts a narrative div that lacks it in the XHTML namespace', () => {
    const json = { resourceType: 'Basic', text: { status: 'generated', div: '<div><p>x</p></div>' }, code: { text: 't' } };
    assert.match(toFhirXml(json, defs), /<div xmlns="http:\/\/www.w3.org\/1999\/xhtml"><p>x<\/p><\/div>/);
  });

  it('keeps line breaks and tabs in values through a round trip', () => {
    const json = { resourceType: 'Basic', code: { text: 'line 1\nline 2\ttab "quoted" <tag> & more' } };
    assert.deepStrictEqual(parseFhirXml(toFhirXml(json, defs), defs), json);
  });

  it('writes elements in definition order with id and url as attributes', () => {
    const xml = toFhirXml(
      { gender: 'male', resourceType: 'Patient', extension: [{ valueCode: 'x', url: 'http://e', id: 'e1' }], id: 'p1' },
      defs,
    );
    assert.equal(
      xml,
      '<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><extension id="e1" url="http://e"><valueCode value="x"/></extension><gender value="male"/></Patient>',
    );
  });
});

describe('FHIR XML errors', () => {
  it('rejects malformed XML with the line and column', () => {
    rejects('<Patient xmlns="http://hl7.org/fhir">\n  <active value="true">\n</Patient>', /Malformed XML at line \d+/);
    rejects('<Patient xmlns="http://hl7.org/fhir"><active value="true" value="false"/></Patient>', /Malformed XML.*repeated/);
    rejects('<Patient xmlns="http://hl7.org/fhir"><active value=true/></Patient>', /Malformed XML/);
    rejects('', /empty/);
    rejects('not xml at all', /Malformed XML/);
    rejects('<Patient xmlns="http://hl7.org/fhir"/><Patient xmlns="http://hl7.org/fhir"/>', /one root element/);
  });

  it('rejects DTDs and entities XML does not define', () => {
    rejects('<!DOCTYPE Patient [<!ENTITY x "y">]><Patient xmlns="http://hl7.org/fhir"><id value="&x;"/></Patient>', /DTD/);
    rejects('<Patient xmlns="http://hl7.org/fhir"><id value="a&nbsp;b"/></Patient>', /unknown entity '&nbsp;'/);
  });

  it('rejects content outside the FHIR namespace', () => {
    rejects('<Patient><id value="a"/></Patient>', /FHIR namespace/);
    rejects('<Patient xmlns="http://example.org"><id value="a"/></Patient>', /FHIR namespace/);
    rejects('<Basic xmlns="http://hl7.org/fhir"><text><status value="generated"/><div>x</div></text></Basic>', /XHTML namespace/);
  });

  it('rejects unknown resource types, elements and attributes, naming them', () => {
    rejects('<Patiend xmlns="http://hl7.org/fhir"/>', /Unknown resource type 'Patiend'/);
    rejects('<Patient xmlns="http://hl7.org/fhir"><nmae><family value="x"/></nmae></Patient>', /Unknown element 'nmae' in Patient/);
    rejects('<Patient xmlns="http://hl7.org/fhir"><name><famly value="x"/></name></Patient>', /Unknown element 'famly' in Patient.name/);
    rejects('<Patient xmlns="http://hl7.org/fhir"><active valu="true"/></Patient>', /Unknown attribute 'valu' on Patient.active/);
    rejects('<Patient xmlns="http://hl7.org/fhir"><deceased value="true"/></Patient>', /Unknown element 'deceased'/);
  });

  it('rejects values FHIR does not allow', () => {
    rejects('<Patient xmlns="http://hl7.org/fhir"><active value="yes"/></Patient>', /Invalid boolean 'yes' at Patient.active/);
    rejects('<Patient xmlns="http://hl7.org/fhir"><multipleBirthInteger value="two"/></Patient>', /Invalid integer/);
    rejects('<Patient xmlns="http://hl7.org/fhir"><gender value="male"/><gender value="female"/></Patient>', /more than once/);
    rejects('<Patient xmlns="http://hl7.org/fhir"><gender>male</gender></Patient>', /Unexpected text 'male'/);
    rejects('<Patient xmlns="http://hl7.org/fhir"><contained/></Patient>', /exactly one resource/);
  });
});

describe('FHIR JSON → XML errors', () => {
  it('names unknown elements and non-resources', () => {
    assert.throws(() => toFhirXml({ resourceType: 'Patient', nmae: [] }, defs), /Unknown element 'nmae' in Patient/);
    assert.throws(() => toFhirXml({ name: 'x' }, defs), /not a FHIR resource/);
    assert.throws(() => toFhirXml({ resourceType: 'Patient', contained: [{ id: 'x' }] }, defs), /Patient.contained\[0\] is not a FHIR resource/);
  });
});
