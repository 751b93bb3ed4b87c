import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { overCeiling, summarize, withLine } from './cart.js';

const line = (productId: string, quantity: number, unitPriceCents: number) => ({ productId, name: productId.toUpperCase(), quantity, unitPriceCents, currency: 'EUR' });

describe('cart summary', () => {
  it('totals quantity times unit price, in the shop currency', () => {
    assert.deepEqual(summarize([line('a', 2, 250), line('b', 1, 1000)], 'EUR'), {
      items: [
        { productId: 'a', name: 'A', quantity: 2, unitPriceCents: 250 },
        { productId: 'b', name: 'B', quantity: 1, unitPriceCents: 1000 },
      ],
      totalCents: 1500,
      currency: 'EUR',
    });
  });
  it('is an empty cart in the shop currency with no lines', () => {
    assert.deepEqual(summarize([], 'USD'), { items: [], totalCents: 0, currency: 'USD' });
  });
  it('sets a line’s quantity, or adds the line at the end', () => {
    assert.deepEqual(withLine([line('a', 2, 250), line('b', 1, 1000)], line('a', 5, 250)), [line('a', 5, 250), line('b', 1, 1000)]);
    assert.deepEqual(withLine([line('a', 2, 250)], line('c', 1, 9)), [line('a', 2, 250), line('c', 1, 9)]);
  });
});

describe('the total ceiling', () => {
  it('refuses a change that ends over 100,000,000 cents, unless it lowers the total', () => {
    assert.equal(overCeiling(0, 100_000_000), false);
    assert.equal(overCeiling(0, 100_000_001), true);
    assert.equal(overCeiling(150_000_000, 120_000_000), false);
    assert.equal(overCeiling(150_000_000, 150_000_100), true);
  });
});
