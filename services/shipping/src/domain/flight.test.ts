import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flightSeconds, LOADING_SECONDS, MAX_FLIGHT_SECONDS, MIN_FLIGHT_SECONDS, schedule } from './flight.js';

describe('flights', () => {
  it('last 20 to 50 simulated seconds, the same for the same order', () => {
    for (const id of ['ord_a', 'ord_b', 'ord_123456789']) {
      const seconds = flightSeconds(id);
      assert.ok(seconds >= MIN_FLIGHT_SECONDS && seconds <= MAX_FLIGHT_SECONDS);
      assert.equal(flightSeconds(id), seconds);
    }
    assert.ok(LOADING_SECONDS + MAX_FLIGHT_SECONDS <= 60, 'SPEC: at most 60 s');
  });
  it('run MICROSHOP_TIME_SCALE times faster', () => {
    const slow = schedule('ord_a', 0, 1);
    const fast = schedule('ord_a', 0, 10);
    assert.equal(fast.departAt, slow.departAt / 10);
    assert.equal(fast.arriveAt, slow.arriveAt / 10);
  });
  it('are whole milliseconds at any scale', () => {
    const { departAt, arriveAt } = schedule('ord_b', 1_795_000_000_123, 3);
    assert.ok(Number.isInteger(departAt) && Number.isInteger(arriveAt));
  });
});
