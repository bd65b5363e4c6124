/** SMART scopes: v2 and v1 syntax, query restrictions, the non-resource scopes, malformed scopes, and the allowance check. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { grantScopes, parseScope, parseScopes, ScopeError, scopesWithin, scopeWithin } from '../../../src/access/scopes.ts';
import type { ResourceScope } from '../../../src/access/types.ts';

const one = (text: string) => parseScope(text) as ResourceScope;
const letters = (s: ResourceScope) => [...s.interactions].sort().join('');

describe('parsing SMART v2 scopes', () => {
  test('patient/Observation.rs grants read and search of Observations in the patient context', () => {
    const s = one('patient/Observation.rs');
    assert.equal(s.context, 'patient');
    assert.equal(s.resourceType, 'Observation');
    assert.equal(letters(s), 'rs');
    assert.deepEqual(s.query, []);
    assert.equal(s.text, 'patient/Observation.rs');
  });

  test('user/*.cruds grants every interaction on every type', () => {
    const s = one('user/*.cruds');
    assert.equal(s.resourceType, '*');
    assert.equal(letters(s), 'cdrsu');
  });

  test('system/Patient.r grants read only', () => {
    assert.equal(letters(one('system/Patient.r')), 'r');
  });

  test('a query restriction becomes search parameter pairs, percent-decoded', () => {
    assert.deepEqual(one('patient/Observation.rs?category=laboratory').query, [['category', 'laboratory']]);
    assert.deepEqual(one('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs&status=final').query, [
      ['category', 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs'],
      ['status', 'final'],
    ]);
    assert.deepEqual(one('patient/Condition.rs?code=http%3A%2F%2Fsnomed.info%2Fsct%7C44054006').query, [['code', 'http://snomed.info/sct|44054006']]);
  });

  test('permissions out of order, repeated or unknown are refused with a message saying so', () => {
    for (const bad of ['patient/Observation.sr', 'patient/Observation.rr', 'patient/Observation.x', 'patient/Observation.rsx']) {
      assert.throws(() => parseScope(bad), (e: unknown) => e instanceof ScopeError && /cruds/.test(e.message), bad);
    }
  });
});

describe('parsing SMART v1 scopes', () => {
  test('.read is read and search, .write is create, update and delete, .* is everything', () => {
    assert.equal(letters(one('patient/*.read')), 'rs');
    assert.equal(letters(one('user/Observation.write')), 'cdu');
    assert.equal(letters(one('system/*.*')), 'cdrsu');
  });

  test('a v1 scope cannot carry a query restriction', () => {
    assert.throws(() => parseScope('patient/Observation.read?category=laboratory'), /v2 syntax/);
  });
});

describe('parsing scope strings', () => {
  test('resource scopes and the identity, launch and refresh scopes are told apart, duplicates dropped', () => {
    const parsed = parseScopes('openid fhirUser launch/patient offline_access patient/Observation.rs  patient/Observation.rs launch online_access profile');
    assert.deepEqual(
      parsed.resources.map((s) => s.text),
      ['patient/Observation.rs'],
    );
    assert.deepEqual(parsed.other, ['openid', 'fhirUser', 'launch/patient', 'offline_access', 'launch', 'online_access', 'profile']);
  });

  test('malformed and unknown scopes are refused, naming the scope', () => {
    for (const bad of ['patient', 'patient/Observation', 'clinic/Observation.rs', 'patient/observation.rs', 'email', 'patient/Observation.rs?category', 'patient/Observation.rs?=x']) {
      assert.throws(() => parseScopes(`openid ${bad}`), (e: unknown) => e instanceof ScopeError && e.message.includes(`"${bad}"`), bad);
    }
  });

  test('an unknown resource type is refused when the caller says which types exist', () => {
    assert.throws(() => parseScope('patient/Obsrvation.rs', { isResourceType: (t) => t === 'Observation' }), /not an R4 resource type/);
    assert.ok(parseScope('patient/Observation.rs', { isResourceType: (t) => t === 'Observation' }));
  });
});

describe('whether a requested scope is within an allowance', () => {
  test('user/*.cruds covers user/Observation.rs, and patient/Observation.rs too (narrower)', () => {
    assert.ok(scopeWithin(one('user/Observation.rs'), one('user/*.cruds')));
    assert.ok(scopeWithin(one('patient/Observation.rs'), one('user/*.cruds')));
  });

  test('more interactions, another type or another context are not covered', () => {
    assert.ok(!scopeWithin(one('user/Observation.cruds'), one('user/*.rs')));
    assert.ok(!scopeWithin(one('user/Patient.rs'), one('user/Observation.rs')));
    assert.ok(!scopeWithin(one('system/Patient.rs'), one('user/*.cruds')));
    assert.ok(!scopeWithin(one('user/Patient.rs'), one('patient/*.rs')));
  });

  test('a restricted allowance covers only requests at least as restricted', () => {
    const allowed = one('patient/Observation.rs?category=laboratory');
    assert.ok(scopeWithin(one('patient/Observation.rs?category=laboratory'), allowed));
    assert.ok(scopeWithin(one('patient/Observation.r?category=laboratory&status=final'), allowed));
    assert.ok(!scopeWithin(one('patient/Observation.rs'), allowed));
    assert.ok(!scopeWithin(one('patient/Observation.rs?category=vital-signs'), allowed));
  });

  test('v1 requests are judged by what they mean', () => {
    assert.ok(scopesWithin('patient/*.read', 'patient/*.rs'));
    assert.ok(!scopesWithin('patient/*.write', 'patient/*.rs'));
  });

  test('grantScopes keeps what is allowed and lists what is not, non-resource scopes included', () => {
    const { granted, refused } = grantScopes(parseScopes('openid fhirUser offline_access patient/Observation.rs patient/Patient.cruds'), parseScopes('openid fhirUser patient/*.rs'));
    assert.deepEqual(granted.resources.map((s) => s.text), ['patient/Observation.rs']);
    assert.deepEqual(granted.other, ['openid', 'fhirUser']);
    assert.deepEqual(refused, ['patient/Patient.cruds', 'offline_access']);
  });
});
