import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from '../src/index.js';

/** Blocks the event loop, as a runaway synchronous computation would. */
function block(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin
  }
}

describe('liveness: /healthz fails when the event loop has been stuck', () => {
  it('answers 503 naming the stall after the loop was blocked, and ok again once it is forgotten', async () => {
    const app = await createApp({ service: 'widgets', instanceId: 'widgets-1', logLevel: 'silent', liveness: { stallMs: 300, rememberMs: 1_500 } });
    try {
      await app.ready();
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
      block(800);
      // The watchdog's timer fires late, once the loop is free again.
      await new Promise((r) => setTimeout(r, 150));
      const stuck = await app.inject({ url: '/healthz' });
      assert.equal(stuck.statusCode, 503);
      assert.match(String(stuck.headers['content-type']), /^application\/problem\+json/);
      assert.match(stuck.json().detail, /event loop was blocked for \d+ ms/);
      assert.ok(stuck.json().eventLoopStalledMs >= 300);
      await new Promise((r) => setTimeout(r, 1_600));
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  it('stays ok under ordinary work', async () => {
    const app = await createApp({ service: 'widgets', instanceId: 'widgets-1', logLevel: 'silent', liveness: { stallMs: 300 } });
    try {
      for (let i = 0; i < 5; i++) {
        block(50);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});
