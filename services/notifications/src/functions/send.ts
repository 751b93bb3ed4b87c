import type { Kysely } from '@microshop/data';
import type { CloudEvent } from '@microshop/messaging';
import type { NotificationsDatabase } from '../data/schema.js';

/** Writes the user's message; its id is the event's, so a message is sent once per event. */
export async function send(trx: Kysely<NotificationsDatabase>, event: CloudEvent, userId: string, kind: string, subject: string, body: string) {
  await trx
    .insertInto('messages')
    .values({ id: `msg_${event.id.replace(/-/g, '')}`.slice(0, 64), user_id: userId, kind, subject, body, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;
