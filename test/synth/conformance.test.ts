/** Every resource of a seeded population conforms to the UK Core profile it declares. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { population } from '../../src/synth/generate.ts';
import { definitions } from '../../src/app/app.ts';
import { createValidator } from '../../src/validation/index.ts';

test('a seeded population of 100 patients validates against UK Core and the R4 base with zero errors', () => {
  const validator = createValidator({ defs: definitions(), policy: { unknownExtension: 'error' } });
  const pop = population({ patients: 100, seed: 'conformance' });
  const errors: string[] = [];
  let checked = 0;
  const check = (resources: { resourceType: string; meta?: { profile?: string[] } }[]) => {
    for (const r of resources) {
      checked++;
      assert.ok(r.meta?.profile?.length, `${r.resourceType} declares a profile`);
      for (const i of validator.validate(r)) if (i.severity === 'error') errors.push(`${r.resourceType}: ${i.diagnostics}`);
    }
  };
  check(pop.directory.resources);
  for (const rec of pop.records()) check(rec.resources);
  assert.ok(checked > 3000, `checked ${checked} resources`);
  assert.deepEqual(errors.slice(0, 10), []);
});
