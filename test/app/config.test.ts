/** The typed configuration: flags over MERIDIAN_* environment over defaults. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig, ConfigError, DEFAULTS } from '../../src/app/config.ts';

describe('app: configuration', () => {
  it('takes the SQLite reader threads from --readers, then MERIDIAN_READERS, then the default', () => {
    assert.equal(buildConfig({}, {}).readers, DEFAULTS.readers);
    assert.equal(buildConfig({}, { MERIDIAN_READERS: '0' }).readers, 0);
    assert.equal(buildConfig({ readers: '3' }, { MERIDIAN_READERS: '0' }).readers, 3);
    assert.throws(() => buildConfig({ readers: '-1' }, {}), ConfigError);
    assert.throws(() => buildConfig({ readers: 'two' }, {}), /--readers must be a whole number of at least 0/);
  });
});
