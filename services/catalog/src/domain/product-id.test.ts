import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { productIdFor } from './product-id.js';

describe('product ids from SKUs', () => {
  it('is prod-<sku> in lower case when that fits in 64 characters', () => {
    assert.equal(productIdFor('MS-TST-001'), 'prod-ms-tst-001');
    assert.equal(productIdFor('a'.repeat(59)), `prod-${'a'.repeat(59)}`);
  });

  it('fits any SKU up to 64 characters, keeping long ones with a shared beginning apart', () => {
    const ids = ['a'.repeat(60), 'a'.repeat(64), `${'a'.repeat(63)}b`].map(productIdFor);
    for (const id of ids) {
      assert.equal(id.length, 64);
      assert.match(id, /^prod-a{48}-[0-9a-f]{10}$/);
    }
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(productIdFor('A'.repeat(64)), ids[1], 'the same SKU in another case is the same id, as for short SKUs');
  });
});
