import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brandOf, notExpired, passesLuhn } from './card.js';
import { SimulatedProvider } from './provider.js';

describe('cards', () => {
  it('accepts numbers that pass Luhn and refuses the rest', () => {
    for (const good of ['4242424242424242', '4000000000000002', '5555555555554444', '378282246310005']) assert.ok(passesLuhn(good), good);
    for (const bad of ['4242424242424241', '1234567890123456', '42424242', '4242-4242-4242-4242', '']) assert.ok(!passesLuhn(bad), bad);
  });
  it('names the brand', () => {
    assert.equal(brandOf('4242424242424242'), 'visa');
    assert.equal(brandOf('5555555555554444'), 'mastercard');
    assert.equal(brandOf('378282246310005'), 'amex');
  });
  it('treats a card as valid through the end of its expiry month', () => {
    const now = new Date('2026-11-22T00:00:00Z');
    assert.ok(notExpired(11, 2026, now));
    assert.ok(notExpired(1, 2027, now));
    assert.ok(!notExpired(10, 2026, now));
  });
  it('declines the declined test card and approves the others', async () => {
    const provider = new SimulatedProvider();
    assert.equal(provider.assess('4000000000000002'), 'decline');
    assert.equal(provider.assess('4242424242424242'), 'approve');
    assert.deepEqual(await provider.charge('decline', 100, 'k1'), { ok: false, reason: 'card_declined' });
    assert.equal((await provider.charge('approve', 100, 'k2')).ok, true);
  });
  it('answers a repeated idempotency key with the first outcome, charging nothing more', async () => {
    const provider = new SimulatedProvider();
    const first = await provider.charge('decline', 100, 'same');
    assert.deepEqual(await provider.charge('approve', 100, 'same'), first);
  });
});
