import assert from 'node:assert/strict';
import { testTrust } from '@microshop/testing';
import { describe, it } from 'node:test';
import { loadOrdersConfig } from '../src/index.js';

const trust = await testTrust();

describe('ORDERS_SETTLE_TIMEOUT_MS', () => {
  const load = (value?: string) => loadOrdersConfig({ ...trust.env('orders'), ...(value === undefined ? {} : { ORDERS_SETTLE_TIMEOUT_MS: value }) });

  it('is two minutes by default and accepts any whole number of ms from 1000 up', () => {
    assert.equal(load().settleTimeoutMs, 120_000);
    assert.equal(load('1000').settleTimeoutMs, 1_000);
    assert.equal(load('86400000').settleTimeoutMs, 86_400_000);
  });

  it('refuses less than a second, or what is not a whole number, naming the variable', () => {
    assert.throws(() => load('999'), /ORDERS_SETTLE_TIMEOUT_MS must be at least 1000/);
    assert.throws(() => load('2m'), /ORDERS_SETTLE_TIMEOUT_MS must be an integer/);
  });
});
