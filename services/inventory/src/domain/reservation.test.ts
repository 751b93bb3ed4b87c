import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeLines, shortages } from './reservation.js';

describe('reservations', () => {
  it('merge lines of the same product', () => {
    assert.deepEqual(mergeLines([{ productId: 'b', quantity: 1 }, { productId: 'a', quantity: 2 }, { productId: 'b', quantity: 3 }]), [
      { productId: 'a', quantity: 2 },
      { productId: 'b', quantity: 4 },
    ]);
  });
  it('name the products the stock cannot cover', () => {
    const stock = new Map([['a', 2], ['b', 0]]);
    assert.deepEqual(shortages([{ productId: 'a', quantity: 2 }, { productId: 'b', quantity: 1 }, { productId: 'c', quantity: 1 }], stock), ['b', 'c']);
  });
});
