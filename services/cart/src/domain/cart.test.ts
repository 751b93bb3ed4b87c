import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarize } from './cart.js';

describe('cart summary', () => {
  it('totals quantity times unit price', () => {
    assert.deepEqual(
      summarize([
        { productId: 'a', name: 'A', quantity: 2, unitPriceCents: 250, currency: 'EUR' },
        { productId: 'b', name: 'B', quantity: 1, unitPriceCents: 1000, currency: 'EUR' },
      ]),
      {
        items: [
          { productId: 'a', name: 'A', quantity: 2, unitPriceCents: 250 },
          { productId: 'b', name: 'B', quantity: 1, unitPriceCents: 1000 },
        ],
        totalCents: 1500,
        currency: 'EUR',
      },
    );
  });
  it('is an empty USD cart with no lines', () => {
    assert.deepEqual(summarize([]), { items: [], totalCents: 0, currency: 'USD' });
  });
});
