import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canMove } from './status.js';

describe('order status', () => {
  it('follows PENDING → CONFIRMED → SHIPPED → DELIVERED, or PENDING → CANCELLED', () => {
    assert.ok(canMove('PENDING', 'CONFIRMED'));
    assert.ok(canMove('PENDING', 'CANCELLED'));
    assert.ok(canMove('CONFIRMED', 'SHIPPED'));
    assert.ok(canMove('SHIPPED', 'DELIVERED'));
  });
  it('refuses every other step, so late or repeated events change nothing', () => {
    assert.ok(!canMove('CANCELLED', 'CONFIRMED'));
    assert.ok(!canMove('CONFIRMED', 'CANCELLED'));
    assert.ok(!canMove('DELIVERED', 'SHIPPED'));
    assert.ok(!canMove('PENDING', 'SHIPPED'));
    assert.ok(!canMove('CONFIRMED', 'CONFIRMED'));
  });
});
