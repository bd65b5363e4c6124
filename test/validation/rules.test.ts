import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { testValidator } from './helpers.ts';

const v = testValidator();
const errors = (r: unknown, core = true) => v.validate(r, { core }).filter((i) => i.severity === 'error');
const at = (r: unknown, core = true) => errors(r, core).map((i) => `${i.expression?.[0]}: ${i.diagnostics}`);
const div = (html: string) => ({ resourceType: 'Patient', text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${html}</div>` } });

describe('narrative XHTML safety (txt-1, txt-2)', () => {
  it('accepts basic formatting, tables, links and images', () => {
    assert.deepEqual(at(div('<p class="x">Hi <b>there</b> <a href="http://x.org">link</a></p><table border="1"><tr><td colspan="2" id="a">1</td></tr></table><img src="#a" alt="a"/>')), []);
  });

  it('rejects scripts, forms and iframes on every write', () => {
    for (const html of ['<script>alert(1)</script>', '<form action="x">x</form>', '<iframe src="http://x"></iframe>', '<object>x</object>']) {
      const found = at(div(html), false);
      assert.ok(found.some((m) => m.startsWith('Patient.text.div') && /txt-1/.test(m)), `${html}: ${found.join('; ')}`);
    }
  });

  it('rejects event handler attributes and javascript: URLs, however spelt', () => {
    assert.match(at(div('<p onclick="steal()">x</p>'), false).join(), /event handler/);
    assert.match(at(div('<a href="javascript:alert(1)">x</a>'), false).join(), /script URL/);
    assert.match(at(div('<a href=" JaVaScRiPt&#58;alert(1)">x</a>'), false).join(), /script URL/);
    assert.match(at(div('<img src="x" onerror="steal()"/>'), false).join(), /event handler/);
    assert.match(at(div('<p style="background:url(javascript:x)">x</p>'), false).join(), /script URL/);
  });

  it('txt-2: an empty narrative is an error in full validation, not on writes', () => {
    assert.match(at(div('  ')).join(), /txt-2/);
    assert.deepEqual(at(div('  '), false), []);
  });
});

describe('Bundle rules', () => {
  const tx = (entry: unknown[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });

  it('requires a request on every transaction entry, and a resource for POST and PUT', () => {
    const found = at(tx([{ fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient' } }, { request: { method: 'PUT', url: 'Patient/1' } }]), false);
    assert.ok(found.some((m) => m.startsWith('Bundle.entry[0]: Every entry of a transaction needs a request')), found.join('\n'));
    assert.ok(found.some((m) => m.startsWith('Bundle.entry[1]: A PUT entry needs a resource')), found.join('\n'));
  });

  it('checks request urls against methods and resource types', () => {
    const found = at(
      tx([
        { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient/1' } },
        { fullUrl: 'urn:uuid:2', resource: { resourceType: 'Patient', id: '2' }, request: { method: 'PUT', url: 'Patient' } },
        { fullUrl: 'urn:uuid:3', resource: { resourceType: 'Patient', id: '3' }, request: { method: 'PUT', url: 'Observation/3' } },
        { fullUrl: 'urn:uuid:4', resource: { resourceType: 'Patient', id: '4' }, request: { method: 'PUT', url: 'Patient/5' } },
      ]),
      false,
    );
    assert.ok(found.some((m) => m.startsWith('Bundle.entry[0].request.url: A POST')));
    assert.ok(found.some((m) => m.startsWith('Bundle.entry[1].request.url: A PUT')));
    assert.ok(found.some((m) => m.startsWith('Bundle.entry[2].request.url: The request url names Observation')));
    assert.ok(found.some((m) => m.startsWith('Bundle.entry[3].resource.id')));
  });

  it('accepts a well-formed transaction with conditional and instance urls', () => {
    const ok = tx([
      { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=a|b' } },
      { fullUrl: 'http://x.org/fhir/Patient/2', resource: { resourceType: 'Patient', id: '2' }, request: { method: 'PUT', url: 'Patient/2' } },
      { request: { method: 'DELETE', url: 'Patient?identifier=a|c' } },
      { request: { method: 'GET', url: 'Patient?name=x' } },
    ]);
    assert.deepEqual(at(ok, false), []);
  });

  it('fullUrls must be unique (except versions) and absolute', () => {
    const found = at({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient' } }, { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient' } }, { fullUrl: 'Patient/3', resource: { resourceType: 'Patient', id: '3' } }] });
    assert.ok(found.some((m) => m.startsWith('Bundle.entry[1].fullUrl') && /unique/.test(m)), found.join('\n'));
    assert.ok(found.some((m) => m.startsWith('Bundle.entry[2].fullUrl') && /absolute/.test(m)), found.join('\n'));
    // on writes a relative fullUrl is only a warning (published examples use them)
    assert.ok(!at({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'Patient/3', resource: { resourceType: 'Patient', id: '3' } }] }, false).length);
  });

  it('search sets: one self link, matches with ids', () => {
    const found = at({ resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'self', url: 'http://x/Patient?a=b' }, { relation: 'self', url: 'http://x/Patient?a=b' }], entry: [{ fullUrl: 'urn:uuid:1', resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } }, search: { mode: 'match' } }] });
    assert.ok(found.some((m) => m.startsWith('Bundle.link[1]')), found.join('\n'));
    assert.ok(found.some((m) => /Search results must have ids/.test(m)));
    assert.ok(found.some((m) => /Observation is not a type the search was for/.test(m)));
  });
});

describe('extension context', () => {
  const mothersFamily = 'http://hl7.org/fhir/StructureDefinition/humanname-mothers-family';

  it('accepts an extension where its context allows it', () => {
    assert.deepEqual(at({ resourceType: 'Patient', name: [{ family: 'Smith', _family: { extension: [{ url: mothersFamily, valueString: 'Jones' }] } }] }).filter((m) => /not allowed to be used/.test(m)), []);
    assert.deepEqual(at({ resourceType: 'Patient', extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueAddress: { city: 'Leeds' } }] }), []);
  });

  it('rejects an extension used where its context does not allow it', () => {
    const found = at({ resourceType: 'Patient', name: [{ family: 'Smith', extension: [{ url: mothersFamily, valueString: 'Jones' }] }] });
    assert.ok(found.some((m) => m.startsWith('Patient.name[0].extension[0]') && /not allowed to be used on Patient.name/.test(m)), found.join('\n'));
    const onObservation = at({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueAddress: { city: 'Leeds' } }] });
    assert.ok(onObservation.some((m) => /patient-birthPlace is not allowed to be used on Observation/.test(m)), onObservation.join('\n'));
  });
});
