import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachStore } from '../helpers/server.ts';
import { parseTextQuery } from '../../src/search/params/text.ts';
import { ids, load, type R } from './fixtures.ts';

const div = (html: string) => ({ status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${html}</div>` });

describe('_text and _content query syntax', () => {
  it('reads words, phrases, prefixes, AND, OR and parentheses', () => {
    assert.deepEqual(parseTextQuery('Heart  Rate'), { op: 'and', args: [{ op: 'term', words: ['heart'], prefix: false }, { op: 'term', words: ['rate'], prefix: false }] });
    assert.deepEqual(parseTextQuery('"heart rate" hyper*'), { op: 'and', args: [{ op: 'term', words: ['heart', 'rate'], prefix: false }, { op: 'term', words: ['hyper'], prefix: true }] });
    assert.deepEqual(parseTextQuery('(bone OR liver) AND metastases'), {
      op: 'and',
      args: [{ op: 'or', args: [{ op: 'term', words: ['bone'], prefix: false }, { op: 'term', words: ['liver'], prefix: false }] }, { op: 'term', words: ['metastases'], prefix: false }],
    });
    assert.deepEqual(parseTextQuery('Zoë-Ärnold'), { op: 'term', words: ['zoe', 'arnold'], prefix: false });
  });
  it('refuses a value with nothing to search for, an unclosed quote or parenthesis', () => {
    for (const bad of ['', '  ', '"open', '(a OR b', 'a)', 'OR a', '---']) assert.throws(() => parseTextQuery(bad), /_content/, bad);
  });
});

forEachStore((_store, client) => {
  before(async () => {
    await load(client(), [
      { resourceType: 'Patient', id: 'zoe', name: [{ family: 'Ärnold', given: ['Zoë'] }], text: div('<p>Zoë Ärnold lives in <b>Leeds</b> &amp; walks her dog</p>') },
      { resourceType: 'Patient', id: 'arnie', name: [{ family: 'Arnott', given: ['Arnie'] }], address: [{ city: 'York' }] },
      { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/zoe' }, code: { text: 'Metastases of the liver' }, text: div('Liver metastases, found 2019') },
      { resourceType: 'Condition', id: 'c2', subject: { reference: 'Patient/zoe' }, code: { text: 'Bone metastases' }, note: [{ text: 'Heart rate normal; rate of growth slow' }] },
      { resourceType: 'Condition', id: 'c3', subject: { reference: 'Patient/arnie' }, code: { text: 'Fracture of the bone' }, text: div('<table><tr><td>heart</td><td>rate</td></tr></table>') },
      { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'Heart rate' }, subject: { reference: 'Patient/arnie' }, effectiveDateTime: '2019-05-01' },
    ]);
  });
  const q = (url: string) => ids(client(), url);

  describe('_text: the narrative', () => {
    it('finds words of the narrative, without its tags, ignoring case and accents', async () => {
      assert.deepEqual(await q('Patient?_text=leeds'), ['zoe']);
      assert.deepEqual(await q('Patient?_text=ZOE arnold'), ['zoe']);
      assert.deepEqual(await q('Condition?_text=liver'), ['c1']);
    });
    it('does not search elements outside the narrative', async () => {
      assert.deepEqual(await q('Patient?_text=york'), []);
      assert.deepEqual(await q('Condition?_text=bone'), []);
    });
    it('does not find tag names or entity names', async () => {
      assert.deepEqual(await q('Patient?_text=amp'), []);
      assert.deepEqual(await q('Condition?_text=td'), []);
    });
  });

  describe('_content: the whole resource', () => {
    it('finds words in any element, and in the narrative', async () => {
      assert.deepEqual(await q('Patient?_content=york'), ['arnie']);
      assert.deepEqual(await q('Patient?_content=leeds'), ['zoe']);
      assert.deepEqual(await q('Condition?_content=metastases'), ['c1', 'c2']);
    });
    it('ANDs words, whatever their order and place', async () => {
      assert.deepEqual(await q('Condition?_content=rate heart'), ['c2', 'c3']);
      assert.deepEqual(await q('Condition?_content=liver bone'), []);
    });
    it('matches a quoted phrase only with its words next to each other, in order', async () => {
      assert.deepEqual(await q(`Condition?_content=${encodeURIComponent('"heart rate"')}`), ['c2', 'c3']);
      assert.deepEqual(await q(`Condition?_content=${encodeURIComponent('"rate heart"')}`), []);
      assert.deepEqual(await q(`Condition?_content=${encodeURIComponent('"bone metastases"')}`), ['c2']);
    });
    it('matches a word ending in * as a prefix', async () => {
      assert.deepEqual(await q('Condition?_content=metasta*'), ['c1', 'c2']);
      assert.deepEqual(await q('Condition?_content=metasta'), []);
      assert.deepEqual(await q(`Condition?_content=${encodeURIComponent('"heart ra"*')}`), ['c2', 'c3']);
    });
    it('ORs values separated by commas, and terms joined by OR', async () => {
      assert.deepEqual(await q('Condition?_content=liver,fracture'), ['c1', 'c3']);
      assert.deepEqual(await q(`Condition?_content=${encodeURIComponent('(liver OR fracture) AND bone')}`), ['c3']);
      assert.deepEqual(await q(`Condition?_content=${encodeURIComponent('liver OR fracture')}`), ['c1', 'c3']);
    });
    it('ANDs repeated parameters, and combines with other parameters', async () => {
      assert.deepEqual(await q('Condition?_content=metastases&_content=bone'), ['c2']);
      assert.deepEqual(await q('Condition?_content=metastases&subject=Patient/zoe'), ['c1', 'c2']);
      assert.deepEqual(await q('Condition?_content=heart&subject=Patient/zoe'), ['c2']);
    });
    it('searches only the types asked for, and every type at system level', async () => {
      assert.deepEqual(await q('Observation?_content=heart'), ['o1']);
      assert.deepEqual(await q('?_content=heart'), ['c2', 'c3', 'o1']);
      assert.deepEqual(await q('?_type=Patient,Observation&_content=heart'), ['o1']);
    });
    it('does not index ids, references, dates or systems as words', async () => {
      assert.deepEqual(await q('Condition?_content=zoe'), []);
      assert.deepEqual(await q('Observation?_content=2019'), []);
      assert.deepEqual(await q('Condition?_content=2019'), ['c1'], 'a year written in the narrative is a word');
    });
    it('follows chains and _has', async () => {
      assert.deepEqual(await q('Condition?subject._content=york'), ['c3']);
      assert.deepEqual(await q('Patient?_has:Condition:subject:_content=liver'), ['zoe']);
    });
    it('answers 400 for an unusable value or a modifier', async () => {
      assert.equal((await client().get(`Condition?_content=${encodeURIComponent('"open')}`)).status, 400);
      assert.equal((await client().get('Condition?_content:exact=bone')).status, 400);
    });
  });

  describe('the CapabilityStatement', () => {
    it('lists _text, _content and near among the search parameters', async () => {
      const rest = (await client().get('metadata')).body.rest[0];
      const names = (type: string) => rest.resource.find((r: any) => r.type === type).searchParam.map((p: any) => p.name);
      for (const name of ['_text', '_content']) assert.ok(names('Observation').includes(name), name);
      assert.ok(names('Location').includes('near'));
    });
  });

  describe('keeping the full-text index consistent', () => {
    it('replaces the words of a resource when it is updated, and drops them when it is deleted', async () => {
      await load(client(), [{ resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'Platypus count' } }]);
      assert.deepEqual(await q('Observation?_content=platypus'), ['o2']);
      await load(client(), [{ resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'Wombat count' } }]);
      assert.deepEqual(await q('Observation?_content=platypus'), []);
      assert.deepEqual(await q('Observation?_content=wombat'), ['o2']);
      assert.ok([200, 204].includes((await client().del('Observation/o2')).status));
      assert.deepEqual(await q('Observation?_content=wombat'), []);
      await load(client(), [{ resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'Wombat again' } }]);
      assert.deepEqual(await q('Observation?_content=wombat'), ['o2']);
    });
  });
});
