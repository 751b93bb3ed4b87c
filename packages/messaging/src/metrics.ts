import { type Kysely, sql } from '@microshop/data';
import type { MessagingTables } from './tables.js';

/**
 * What the bus tells whoever measures it (the runtime turns these into Prometheus metrics).
 * Called after the fact, never inside a transaction; an observer must not throw.
 */
export interface BusObserver {
  /** One event's handler ran (`failed`: it threw and was rolled back); `seconds` is the handler's own time. */
  handled(type: string, seconds: number, failed: boolean): void;
  /** A message was handed back to the transport for another delivery. */
  retried(type: string): void;
  /** A message was given up on and moved to the dead letters (`type` is `unknown` for a malformed one). */
  deadLettered(type: string): void;
}

export interface OutboxBacklog {
  /** Committed events not yet published. */
  unpublished: number;
  /** Age of the oldest of them in seconds; 0 when there are none. */
  oldestSeconds: number;
}

/** The outbox's unpublished rows, read on demand (served by the outbox_unpublished index). */
export async function outboxBacklog<DB extends MessagingTables>(db: Kysely<DB>, now = Date.now()): Promise<OutboxBacklog> {
  const row = await (db as unknown as Kysely<MessagingTables>)
    .selectFrom('outbox')
    .select([sql<number | string>`count(*)`.as('unpublished'), sql<string | null>`min(created_at)`.as('oldest')])
    .where('published_at', 'is', null)
    .executeTakeFirst();
  const unpublished = Number(row?.unpublished ?? 0);
  const oldest = row?.oldest ? Date.parse(row.oldest) : Number.NaN;
  return { unpublished, oldestSeconds: unpublished > 0 && Number.isFinite(oldest) ? Math.max(0, (now - oldest) / 1000) : 0 };
}
