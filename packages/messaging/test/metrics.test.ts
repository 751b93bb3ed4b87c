import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type BusObserver, outboxBacklog } from '../src/index.js';
import { combos, type Setup, setUp, until } from './fixtures/harness.js';

/** Every call the bus makes to its observer, in order. */
function recorder() {
  const calls: string[] = [];
  const observer: BusObserver = {
    handled: (type, seconds, failed) => {
      assert.ok(seconds >= 0 && Number.isFinite(seconds));
      calls.push(`${failed ? 'failed' : 'handled'} ${type}`);
    },
    retried: (type) => calls.push(`retried ${type}`),
    deadLettered: (type) => calls.push(`dead-lettered ${type}`),
  };
  return { calls, observer };
}

// What metrics are made of: the outbox's backlog, and what the bus tells its observer.
for (const combo of (await combos()).filter((c) => c.bus === 'embedded')) {
  describe(`bus metrics: ${combo.name}`, { skip: combo.skip }, () => {
    let setup: Setup;
    beforeEach(async () => {
      setup = await setUp(combo, `metrics_${combo.engine.name}`);
    });
    afterEach(() => setup?.cleanup());

    it('reads the outbox backlog: unpublished events and the age of the oldest', async () => {
      const { db } = setup.database;
      assert.deepEqual(await outboxBacklog(db), { unpublished: 0, oldestSeconds: 0 });
      // Not started: its relay publishes nothing until flushed.
      const publisher = await setup.bus('catalog');
      await publisher.transaction(async (_trx, emit) => {
        for (const productId of ['p-1', 'p-2']) emit('catalog.product.deleted', productId, { productId });
      });
      const written = await db.selectFrom('outbox').select('created_at').executeTakeFirstOrThrow();
      const backlog = await outboxBacklog(db, Date.parse(written.created_at) + 5_000);
      assert.deepEqual(backlog, { unpublished: 2, oldestSeconds: 5 });

      assert.equal(await publisher.relay.flush(), 2);
      assert.deepEqual(await outboxBacklog(db), { unpublished: 0, oldestSeconds: 0 });
    });

    it('reports failures, retries and the success, and runs after-commit work only for the attempt that committed', async () => {
      const { calls, observer } = recorder();
      const publisher = await setup.bus('catalog');
      const consumer = await setup.bus('cart', { observer, backoffMs: () => 10 });
      let attempts = 0;
      const committed: number[] = [];
      consumer.on('catalog.product.deleted', async (_trx, _event, _emit, afterCommit) => {
        attempts++;
        const attempt = attempts;
        afterCommit(() => committed.push(attempt));
        if (attempt < 3) throw new Error(`attempt ${attempt} fails`);
      });
      await publisher.start();
      await consumer.start();
      await publisher.transaction(async (_trx, emit) => emit('catalog.product.deleted', 'p-1', { productId: 'p-1' }));
      await until('the third attempt to succeed', async () => committed.length === 1);
      const type = 'catalog.product.deleted';
      assert.deepEqual(calls, [`failed ${type}`, `retried ${type}`, `failed ${type}`, `retried ${type}`, `handled ${type}`]);
      assert.deepEqual(committed, [3]);
    });

    it('reports a dead letter once the attempts are used up', async () => {
      const { calls, observer } = recorder();
      const publisher = await setup.bus('catalog');
      const consumer = await setup.bus('cart', { observer, backoffMs: () => 10, maxAttempts: 2 });
      const committed: string[] = [];
      consumer.on('catalog.product.deleted', async (_trx, event, _emit, afterCommit) => {
        afterCommit(() => committed.push(event.id));
        throw new Error('always fails');
      });
      await publisher.start();
      await consumer.start();
      await publisher.transaction(async (_trx, emit) => emit('catalog.product.deleted', 'p-1', { productId: 'p-1' }));
      await until('the dead letter', async () => (await consumer.transport.deadLetters('cart')).length === 1);
      const type = 'catalog.product.deleted';
      assert.deepEqual(calls, [`failed ${type}`, `retried ${type}`, `failed ${type}`, `dead-lettered ${type}`]);
      assert.deepEqual(committed, []);
    });
  });
}
