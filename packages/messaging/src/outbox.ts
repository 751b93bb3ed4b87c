import { engineOf, type Kysely, sql } from '@microshop/data';
import type { CloudEvent } from './envelope.js';
import type { MessagingTables } from './tables.js';
import type { Transport } from './transport.js';

/** Writes events in the caller's transaction: they exist exactly when the state change does. */
export async function enqueue<DB extends MessagingTables>(trx: Kysely<DB>, events: readonly CloudEvent[]): Promise<void> {
  if (events.length === 0) return;
  const now = new Date().toISOString();
  await (trx as unknown as Kysely<MessagingTables>)
    .insertInto('outbox')
    .values(events.map((e) => ({ id: e.id, type: e.type, body: JSON.stringify(e), created_at: now, published_at: null })))
    .execute();
}

export interface RelayLogger {
  warn(fields: object, message: string): void;
}

/**
 * Publishes committed outbox rows in order and marks them sent. Rows are claimed inside a
 * transaction (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the write lock), so several instances
 * of a service never publish the same rows at once. A crash after publishing but before marking
 * publishes again on restart; the transports drop the duplicate by event id.
 */
export class OutboxRelay<DB extends MessagingTables = MessagingTables> {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #again = false;
  #stopped = true;
  #failures = 0;

  private readonly db: Kysely<MessagingTables>;

  constructor(
    db: Kysely<DB>,
    private readonly transport: Transport,
    private readonly log: RelayLogger,
    private readonly options: { pollMs?: number; batchSize?: number } = {},
  ) {
    this.db = db as unknown as Kysely<MessagingTables>;
  }

  /** Publishes everything pending now; returns how many rows it published. */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.#publishBatch();
      total += published;
      if (published < (this.options.batchSize ?? 256)) return total;
    }
  }

  async #publishBatch(): Promise<number> {
    const postgres = engineOf(this.db as Kysely<unknown>) === 'postgres';
    return this.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('outbox')
        .select(['seq', 'id', 'type', 'body'])
        .where('published_at', 'is', null)
        .orderBy('seq')
        .limit(this.options.batchSize ?? 256);
      if (postgres) query = query.modifyEnd(sql`for update skip locked`);
      const rows = await query.execute();
      if (rows.length === 0) return 0;
      await this.transport.publish(rows);
      await trx
        .updateTable('outbox')
        .set({ published_at: new Date().toISOString() })
        .where(
          'seq',
          'in',
          rows.map((r) => r.seq),
        )
        .execute();
      return rows.length;
    });
  }

  /** Call after committing a transaction that enqueued events: publishes without waiting for the poll. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.flush()
      .then(
        (n) => {
          this.#failures = 0;
          return n;
        },
        (error: unknown) => {
          this.#failures++;
          this.log.warn({ err: error, failures: this.#failures }, 'outbox relay could not publish; will retry');
          return 0;
        },
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          this.kick();
          return;
        }
        // Back off while the broker is unreachable; poll for rows other instances or a crash left.
        const delay = Math.min((this.options.pollMs ?? 500) * 2 ** Math.min(this.#failures, 5), 10_000);
        this.#timer = setTimeout(() => this.kick(), delay);
      });
  }

  start(): void {
    this.#stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
