import type { Kysely } from '@microshop/data';
import type { CloudEvent } from './envelope.js';
import type { MessagingTables } from './tables.js';

/**
 * Runs `handler` at most once per (consumer, event id): the inbox row and the handler's writes
 * commit together, so a redelivered event finds its row and has no second effect.
 */
export async function handleOnce<DB extends MessagingTables>(
  db: Kysely<DB>,
  consumer: string,
  event: CloudEvent,
  handler: (trx: Kysely<DB>, event: CloudEvent) => Promise<void>,
): Promise<'handled' | 'duplicate'> {
  return (db as unknown as Kysely<MessagingTables>).transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('inbox')
      .values({ consumer, event_id: event.id, handled_at: new Date().toISOString() })
      .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return 'duplicate';
    await handler(trx as unknown as Kysely<DB>, event);
    return 'handled';
  });
}
