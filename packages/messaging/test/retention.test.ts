import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createEvent, Retention } from '../src/index.js';
import type { NatsTransport } from '../src/nats/nats-transport.js';
import { combos, effects, type Setup, setUp, silentLog, until } from './fixtures/harness.js';

const HOUR = 3_600_000;
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

/** A message no consumer can parse: the quickest way to a dead letter. */
const malformed = (label = '') => ({ id: randomUUID(), type: 'catalog.product.deleted', body: `{"not": json ${label}` });

for (const combo of await combos()) {
  describe(`retention: ${combo.name}`, { skip: combo.skip }, () => {
    let setup: Setup;
    beforeEach(async () => {
      setup = await setUp(combo, `retention_${combo.name.replace(/\W+/g, '_')}`);
    });
    afterEach(() => setup?.cleanup());

    it('deletes inbox rows and sent outbox rows past the retention, and keeps new and unsent ones', async () => {
      const db = setup.database.db;
      await db
        .insertInto('inbox')
        .values([
          { consumer: 'shop', event_id: 'old', handled_at: iso(200 * HOUR) },
          { consumer: 'shop', event_id: 'new', handled_at: iso(HOUR) },
        ])
        .execute();
      const row = (id: string, createdAgo: number, sentAgo: number | null) => ({
        id,
        type: 'catalog.product.deleted',
        body: '{}',
        created_at: iso(createdAgo),
        published_at: sentAgo === null ? null : iso(sentAgo),
      });
      await db
        .insertInto('outbox')
        .values([row('sent-long-ago', 200 * HOUR, 200 * HOUR), row('never-sent', 200 * HOUR, null), row('sent-lately', 2 * HOUR, HOUR)])
        .execute();
      const transport = await setup.transport();
      const retention = new Retention(db, transport, silentLog, { maxAgeMs: 168 * HOUR, deadLetterMax: 100 });
      const deleted = await retention.prune();
      assert.equal(deleted.inbox, 1);
      assert.equal(deleted.outbox, 1);
      const inbox = await db.selectFrom('inbox').select('event_id').orderBy('event_id').execute();
      assert.deepEqual(
        inbox.map((r) => r.event_id),
        ['new'],
      );
      const outbox = await db.selectFrom('outbox').select('id').orderBy('id').execute();
      assert.deepEqual(
        outbox.map((r) => r.id),
        ['never-sent', 'sent-lately'],
        'an unsent row is never deleted, however old',
      );
    });

    it('keeps at most the configured number of dead letters, the newest', async () => {
      const transport = await setup.transport({ retentionMs: 168 * HOUR, deadLetterMax: 2 });
      const consumer = await setup.bus('strict', { transport, retention: { maxAgeMs: 168 * HOUR, deadLetterMax: 2 } });
      consumer.on('catalog.product.deleted', async () => {});
      await consumer.start();
      const bodies: string[] = [];
      for (let i = 1; i <= 4; i++) {
        const letter = malformed(String(i));
        bodies.push(letter.body);
        await transport.publish([letter]);
        // Each letter is dead before the next is published, so "the newest" is well defined.
        await until(`dead letter ${i}`, async () => ((await transport.deadLetters('strict')).some((l) => l.body === letter.body) ? true : undefined));
      }
      await consumer.retention.prune();
      const kept = await transport.deadLetters('strict');
      assert.deepEqual(
        kept.map((l) => l.body),
        bodies.slice(2),
        'the two newest are kept',
      );
      assert.equal(await transport.deadLetterCount('strict'), 2);
      if (transport.kind === 'nats') {
        // The server enforces both limits itself: the streams are bounded by age, dead letters by count too.
        const limits = await (transport as NatsTransport).limits();
        assert.deepEqual(limits, { eventsMaxAgeMs: 168 * HOUR, deadLettersMaxAgeMs: 168 * HOUR, deadLettersMax: 2 });
      }
      await consumer.stop();
    });

    it('embedded bus: deletes messages and dead letters past the retention, delivered or not, and nothing newer', { skip: combo.bus !== 'embedded' }, async () => {
      const transport = await setup.transport();
      const consumer = await setup.bus('eager', { transport });
      let handled = 0;
      consumer.on('catalog.product.deleted', async (trx, event) => {
        handled++;
        await trx.insertInto('effects').values({ consumer: 'eager', event_id: event.id, subject: event.subject, seq: handled }).execute();
      });
      await consumer.start();
      // A second group that subscribed and then went away: its deliveries stay pending.
      const away = await transport.consume({ group: 'away', types: ['catalog.product.upserted'] }, async () => {});
      await away.stop();
      const deleted = createEvent('catalog', 'catalog.product.deleted', 'p1', { productId: 'p1' });
      await transport.publish([
        { id: deleted.id, type: deleted.type, body: JSON.stringify(deleted) },
        // Only the away group wants this one; its body is never read here.
        { id: randomUUID(), type: 'catalog.product.upserted', body: '{}' },
        malformed(),
      ]);
      await until('the event handled and the malformed one dead', async () =>
        (await effects(setup.database.db, 'eager')).length === 1 && (await transport.deadLetterCount('eager')) === 1 ? true : undefined,
      );
      // Nothing is past a one-hour retention yet: the group away still has its message.
      assert.deepEqual(await transport.prune({ maxAgeMs: HOUR, deadLetterMax: 100 }), { messages: 0, deadLetters: 0 });
      assert.equal(await transport.pending('away'), 1, 'the message the away group has not handled stays');
      let received = 0;
      const back = await transport.consume({ group: 'away', types: ['catalog.product.upserted'] }, async (m) => {
        received++;
        await m.retry(60_000);
      });
      await until('the kept message delivered', async () => received === 1);
      await back.stop();
      // Two hours on, everything is past it, delivered or not, as on NATS (max_age).
      const pruned = await transport.prune({ maxAgeMs: HOUR, deadLetterMax: 100 }, Date.now() + 2 * HOUR);
      assert.equal(pruned.deadLetters, 1, 'the dead letter aged out');
      assert.equal(pruned.messages, 3, 'the handled message, the dead letter’s and the one the away group never took');
      assert.equal(await transport.pending('away'), 0);
      await consumer.stop();
    });
  });
}
