import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, int, loadConfig, newServiceKey, newUserTokenKey, oneOf, serviceConfigSpec, str, trustBundleOf, url } from '../src/index.js';

const catalogKey = await newServiceKey('catalog');
const keys = {
  MICROSHOP_TRUST: JSON.stringify(trustBundleOf([await newUserTokenKey()], { catalog: catalogKey })),
  MICROSHOP_SERVICE_KEY: JSON.stringify(catalogKey),
};

describe('loadConfig', () => {
  it('applies defaults and returns a frozen object', () => {
    const config = loadConfig({ port: int('PORT', { default: 8080 }), host: str('HOST', { default: '0.0.0.0' }) }, {});
    assert.deepEqual(config, { port: 8080, host: '0.0.0.0' });
    assert.ok(Object.isFrozen(config));
  });

  it('parses given values', () => {
    const config = loadConfig(
      { port: int('PORT', { default: 8080, min: 0, max: 65535 }), mode: oneOf('MODE', ['on', 'off'], 'on') },
      { PORT: '9000', MODE: 'OFF' },
    );
    assert.deepEqual(config, { port: 9000, mode: 'off' });
  });

  it('names every invalid variable in one error', () => {
    const spec = {
      port: int('PORT', { default: 8080, min: 0, max: 65535 }),
      limit: int('LIMIT', { default: 1, min: 1, max: 10 }),
      mode: oneOf('MODE', ['on', 'off'], 'on'),
      db: url('ORDERS_DATABASE_URL', ['postgres:']),
    };
    assert.throws(
      () => loadConfig(spec, { PORT: 'eighty', LIMIT: '11', MODE: 'maybe', ORDERS_DATABASE_URL: 'mysql://x' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 4);
        assert.match(error.message, /PORT must be an integer, got "eighty"/);
        assert.match(error.message, /LIMIT must be at most 10, got 11/);
        assert.match(error.message, /MODE must be one of on, off, got "maybe"/);
        assert.match(error.message, /ORDERS_DATABASE_URL must be a URL starting with postgres:\/\//);
        return true;
      },
    );
  });

  it('treats blank values as unset', () => {
    assert.deepEqual(loadConfig({ port: int('PORT', { default: 1 }) }, { PORT: '  ' }), { port: 1 });
  });

  it('reads the service database URL from <SERVICE>_DATABASE_URL', () => {
    const config = loadConfig(serviceConfigSpec('catalog'), { ...keys, CATALOG_DATABASE_URL: 'postgres://u@h/db', PORT: '0' });
    assert.equal(config.databaseUrl, 'postgres://u@h/db');
    assert.equal(config.service, 'catalog');
    assert.equal(config.dataDir, './data');
    assert.equal(config.host, '127.0.0.1', 'a service is reachable from this machine only, unless HOST says otherwise');
    assert.throws(
      () => loadConfig(serviceConfigSpec('catalog'), { CATALOG_DATABASE_URL: 'not a url' }),
      /CATALOG_DATABASE_URL must be a URL/,
    );
  });

  it('reads the shop currency from MICROSHOP_CURRENCY (USD unless set), an ISO 4217 code', () => {
    const spec = { currency: serviceConfigSpec('cart').currency };
    assert.equal(spec.currency.variable, 'MICROSHOP_CURRENCY');
    assert.deepEqual(loadConfig(spec, {}), { currency: 'USD' });
    assert.deepEqual(loadConfig(spec, { MICROSHOP_CURRENCY: 'EUR' }), { currency: 'EUR' });
    for (const bad of ['usd', 'EURO', 'E1R', 'XYZ']) {
      assert.throws(
        () => loadConfig(spec, { MICROSHOP_CURRENCY: bad }),
        (error: unknown) => error instanceof ConfigError && /MICROSHOP_CURRENCY must be an ISO 4217 currency code/.test(error.message),
        bad,
      );
    }
  });
});
