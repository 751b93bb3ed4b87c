import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort, NATS_SERVER_BIN, startChild, startNatsServer, tempDir } from '@microshop/testing';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createEvent, createTransport, enqueue, type EventBus, OutboxRelay } from '../src/index.js';
import type { NatsTransport } from '../src/nats/nats-transport.js';
import { combos, effects, type Setup, setUp, silentLog, type TestDb, until } from './fixtures/harness.js';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function recordEffects(bus: EventBus<TestDb>, consumer: string, seen?: Array<{ id: string; attempt?: number }>) {
  let seq = 0;
  bus.on('catalog.product.deleted', async (trx, event) => {
    seen?.push({ id: event.id });
    await trx.insertInto('effects').values({ consumer, event_id: event.id, subject: event.subject, seq: seq++ }).execute();
  });
  return bus;
}

async function publishDeleted(publisher: EventBus<TestDb>, productIds: string[], subject?: string): Promise<void> {
  for (const productId of productIds) {
    await publisher.transaction(async (_trx, emit) => emit('catalog.product.deleted', subject ?? productId, { productId }), { traceparent });
  }
}

for (const combo of await combos()) {
  describe(`event bus contract: ${combo.name}`, { skip: combo.skip }, () => {
    // Each test gets its own database, bus directory or NATS namespace: a new group receives
    // every retained event (deliver-all), so tests must not see each other's.
    let setup: Setup;
    beforeEach(async () => {
      setup = await setUp(combo, combo.name.replace(/\W+/g, '_'));
    });
    afterEach(() => setup?.cleanup());

    it('delivers an event published through the outbox, with its envelope and traceparent', async () => {
      const publisher = await setup.bus('catalog');
      const consumer = await setup.bus('cart');
      let received: unknown;
      consumer.on('catalog.product.deleted', async (trx, event) => {
        received = event;
        await trx.insertInto('effects').values({ consumer: 'cart', event_id: event.id, subject: event.subject, seq: 0 }).execute();
      });
      await publisher.start();
      await consumer.start();
      await publishDeleted(publisher, ['prod-1']);
      await until('the event', async () => (await effects(setup.database.db, 'cart')).length === 1);
      const event = received as Record<string, unknown>;
      assert.equal(event.specversion, '1.0');
      assert.equal(event.source, 'catalog');
      assert.equal(event.type, 'catalog.product.deleted');
      assert.equal(event.subject, 'prod-1');
      assert.equal(event.traceparent, traceparent);
      assert.deepEqual(event.data, { productId: 'prod-1' });
      assert.ok(!Number.isNaN(Date.parse(String(event.time))));
      const unpublished = await setup.database.db.selectFrom('outbox').select('id').where('published_at', 'is', null).execute();
      assert.deepEqual(unpublished, []);
      await consumer.stop();
      await publisher.stop();
    });

    it('keeps publish order for one consumer', async () => {
      const publisher = await setup.bus('catalog');
      const consumer = recordEffects(await setup.bus('ordered'), 'ordered');
      await publisher.start();
      await consumer.start();
      const ids = Array.from({ length: 30 }, (_, i) => `prod-${String(i).padStart(2, '0')}`);
      await publishDeleted(publisher, ids, 'same-subject');
      const rows = await until('30 events', async () => {
        const found = await effects(setup.database.db, 'ordered');
        return found.length >= 30 ? found : undefined;
      });
      const handled = await setup.database.db.selectFrom('effects').select('event_id').where('consumer', '=', 'ordered').execute();
      assert.equal(handled.length, 30);
      const productOrder = [];
      for (const row of rows) {
        const out = await setup.database.db.selectFrom('outbox').select('body').where('id', '=', row.event_id).executeTakeFirstOrThrow();
        productOrder.push((JSON.parse(out.body) as { data: { productId: string } }).data.productId);
      }
      assert.deepEqual(productOrder, ids);
      await consumer.stop();
      await publisher.stop();
    });

    it('gives every group every event, and each event to one instance of a group', async () => {
      const publisher = await setup.bus('catalog');
      const a1 = recordEffects(await setup.bus('group-a'), 'group-a');
      const a2 = recordEffects(await setup.bus('group-a'), 'group-a');
      const b = recordEffects(await setup.bus('group-b'), 'group-b');
      await publisher.start();
      for (const bus of [a1, a2, b]) await bus.start();
      await publishDeleted(
        publisher,
        Array.from({ length: 20 }, () => randomUUID()),
      );
      await until('both groups', async () => (await effects(setup.database.db, 'group-a')).length >= 20 && (await effects(setup.database.db, 'group-b')).length >= 20);
      await new Promise((r) => setTimeout(r, 200));
      const a = await effects(setup.database.db, 'group-a');
      assert.equal(a.length, 20, 'each event once in group a');
      assert.equal(new Set(a.map((r) => r.event_id)).size, 20);
      assert.equal((await effects(setup.database.db, 'group-b')).length, 20);
      for (const bus of [a1, a2, b, publisher]) await bus.stop();
    });

    it('redelivers after a consumer crashes before its ack, with no second effect', async () => {
      const publisher = await setup.bus('catalog');
      await publisher.start();
      const script = fileURLToPath(new URL('./fixtures/crashing-consumer.js', import.meta.url));
      const child = startChild(process.execPath, [script, setup.dbDataDir, setup.databaseUrl ?? '-', setup.busUrl, setup.dataDir, setup.namespace]);
      await child.waitForOutput(/consuming/);
      await publishDeleted(publisher, ['prod-crash']);
      await until('the crash', async () => child.child.exitCode === 3);
      assert.equal((await effects(setup.database.db, 'crashy')).length, 1, 'the handler committed once');

      const transport = await setup.transport({ ackWaitMs: 1_000 });
      const attempts: number[] = [];
      const wrapped = { ...transport, kind: transport.kind } as typeof transport;
      Object.assign(wrapped, {
        publish: transport.publish.bind(transport),
        deadLetters: transport.deadLetters.bind(transport),
        replay: transport.replay.bind(transport),
        pending: transport.pending.bind(transport),
        ping: transport.ping.bind(transport),
        close: transport.close.bind(transport),
        consume: (options: Parameters<typeof transport.consume>[0], onMessage: Parameters<typeof transport.consume>[1]) =>
          transport.consume(options, (m) => {
            attempts.push(m.attempt);
            return onMessage(m);
          }),
      });
      const survivor = await setup.bus('crashy', { transport: wrapped });
      survivor.on('catalog.product.deleted', async (trx, event) => {
        await trx.insertInto('effects').values({ consumer: 'crashy', event_id: event.id, subject: event.subject, seq: 1 }).execute();
      });
      await survivor.start();
      await until('the redelivery', async () => attempts.length > 0 && (await transport.pending('crashy')) === 0, 20_000);
      assert.ok(attempts[0] !== undefined && attempts[0] >= 2, `redelivered (attempt ${attempts[0]})`);
      assert.equal((await effects(setup.database.db, 'crashy')).length, 1, 'no second effect');
      await survivor.stop();
      await publisher.stop();
    });

    it('retries a failing handler with backoff, then dead-letters it; replay delivers it again', async () => {
      const publisher = await setup.bus('catalog');
      const consumer = await setup.bus('fragile', { maxAttempts: 3, backoffMs: () => 20 });
      let healthy = false;
      let calls = 0;
      consumer.on('catalog.product.deleted', async (trx, event) => {
        calls++;
        await trx.insertInto('effects').values({ consumer: 'fragile', event_id: event.id, subject: event.subject, seq: calls }).execute();
        if (!healthy) throw new Error('downstream is down');
      });
      await publisher.start();
      await consumer.start();
      await publishDeleted(publisher, ['prod-fragile']);
      const letters = await until('a dead letter', async () => {
        const found = await consumer.transport.deadLetters('fragile');
        return found.length > 0 ? found : undefined;
      });
      assert.equal(calls, 3, 'three attempts');
      assert.equal(letters.length, 1);
      assert.equal(letters[0]?.type, 'catalog.product.deleted');
      assert.match(letters[0]?.reason ?? '', /failed 3 times: downstream is down/);
      assert.equal(await consumer.transport.deadLetterCount('fragile'), 1, 'counted without being read');
      assert.equal(await consumer.transport.deadLetterCount('someone-else'), 0, 'another group has none');
      assert.equal((await effects(setup.database.db, 'fragile')).length, 0, 'failed attempts rolled back');
      // A dead letter leaves the group's backlog for good (NATS before 2.10 ignored a TERM with a reason).
      await until('an empty backlog', async () => (await consumer.transport.pending('fragile')) === 0);

      healthy = true;
      await consumer.transport.replay(letters[0]?.id ?? '');
      await until('the replayed event', async () => (await effects(setup.database.db, 'fragile')).length === 1);
      assert.deepEqual(await consumer.transport.deadLetters('fragile'), []);
      assert.equal(await consumer.transport.deadLetterCount('fragile'), 0, 'a replayed letter is no longer counted');
      await consumer.stop();
      await publisher.stop();
    });

    it('dead-letters a malformed message with the reason and keeps consuming', async () => {
      const transport = await setup.transport();
      const consumer = recordEffects(await setup.bus('strict', { transport }), 'strict');
      await consumer.start();
      const good = createEvent('catalog', 'catalog.product.deleted', 'prod-good', { productId: 'prod-good' });
      await transport.publish([
        { id: randomUUID(), type: 'catalog.product.deleted', body: '{"not": json' },
        { id: randomUUID(), type: 'catalog.product.deleted', body: JSON.stringify({ ...good, id: randomUUID(), data: { productId: 42 } }) },
        { id: good.id, type: good.type, body: JSON.stringify(good) },
      ]);
      await until('the good event', async () => (await effects(setup.database.db, 'strict')).length === 1);
      const letters = await until('two dead letters', async () => {
        const found = await transport.deadLetters('strict');
        return found.length === 2 ? found : undefined;
      });
      assert.match(letters[0]?.reason ?? '', /malformed: body is not JSON/);
      assert.match(letters[1]?.reason ?? '', /malformed: invalid data for catalog.product.deleted: data\/productId must be string/);
      await consumer.stop();
    });

    it('recovers the outbox after a crash between commit and publish, publishing once', async () => {
      const transport = await setup.transport();
      const consumer = recordEffects(await setup.bus('recovering', { transport }), 'recovering');
      await consumer.start();
      // The state a crash leaves: committed outbox rows that no relay published.
      const events = ['prod-r1', 'prod-r2'].map((id) => createEvent('catalog', 'catalog.product.deleted', id, { productId: id }));
      await setup.database.db.transaction().execute((trx) => enqueue<TestDb>(trx, events));
      // And a crash after publishing one of them but before marking it sent.
      const first = await setup.database.db.selectFrom('outbox').select(['id', 'type', 'body']).where('id', '=', events[0]?.id ?? '').executeTakeFirstOrThrow();
      await transport.publish([first]);
      const relay = new OutboxRelay(setup.database.db, transport, silentLog);
      await relay.flush();
      await until('both events', async () => (await effects(setup.database.db, 'recovering')).length >= 2);
      await new Promise((r) => setTimeout(r, 300));
      const rows = await effects(setup.database.db, 'recovering');
      assert.deepEqual(rows.map((r) => r.subject).sort(), ['prod-r1', 'prod-r2'], 'each once');
      await consumer.stop();
    });
  });
}

describe('NATS server restart', { skip: NATS_SERVER_BIN ? false : 'nats-server is not installed' }, () => {
  it('reconnects, and loses nothing published while the broker was down', async () => {
    const port = await freePort();
    const storeDir = await tempDir('microshop-nats-');
    let nats = startNatsServer(port, storeDir);
    await nats.ready();
    const dataDir = await tempDir();
    const { openDatabase } = await import('@microshop/data');
    const { migrations } = await import('./fixtures/harness.js');
    const database = await openDatabase<TestDb>({ service: 'test', dataDir, migrations });
    const transport = (await createTransport({ bus: nats.url, dataDir, name: 'restart', namespace: 'restart' })) as NatsTransport;
    const publisher = new (await import('../src/index.js')).EventBus<TestDb>(database.db, { service: 'catalog', transport, log: silentLog, relayPollMs: 50 });
    const consumer = recordEffects(
      new (await import('../src/index.js')).EventBus<TestDb>(database.db, { service: 'cart', transport, log: silentLog }),
      'cart',
    );
    try {
      await publisher.start();
      await consumer.start();
      await publishDeleted(publisher, ['before-1', 'before-2']);
      await until('events before the restart', async () => (await effects(database.db, 'cart')).length === 2);

      await nats.server.stop();
      await publishDeleted(publisher, ['during-1', 'during-2']);
      nats = startNatsServer(port, storeDir);
      await nats.ready();
      await publishDeleted(publisher, ['after-1']);
      await until('every event', async () => (await effects(database.db, 'cart')).length === 5, 30_000);
      const subjects = (await effects(database.db, 'cart')).map((r) => r.subject);
      assert.deepEqual(subjects.sort(), ['after-1', 'before-1', 'before-2', 'during-1', 'during-2']);
    } finally {
      await consumer.stop();
      await publisher.stop();
      await transport.close().catch(() => {});
      await database.close();
      await nats.server.stop();
      await rm(storeDir, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
