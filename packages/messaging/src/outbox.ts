import type { Kysely } from '@microshop/data';
import type { CloudEvent } from './envelope.js';
import type { MessagingTables } from './tables.js';
import { endSpans, startSendSpans } from './tracing.js';
import { PartialPublishError, type Transport } from './transport.js';

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
 * Publishes committed outbox rows in order and marks them sent. It holds no lock while it talks
 * to the broker: if two instances of a service (or a restart after a crash between publishing
 * and marking) publish the same rows, the transports store each event id once, and the first
 * copy of every event still lands in order. Sent rows stay until Retention deletes them.
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
      if (published < (this.options.batchSize ?? 256)) break;
    }
    return total;
  }

  async #publishBatch(): Promise<number> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['seq', 'id', 'type', 'body'])
      .where('published_at', 'is', null)
      .orderBy('seq')
      .limit(this.options.batchSize ?? 256)
      .execute();
    if (rows.length === 0) return 0;
    const spans = startSendSpans(this.transport.kind, rows);
    try {
      await this.transport.publish(rows);
      endSpans(spans);
    } catch (error) {
      endSpans(spans, error);
      // Mark what the broker did store, so the retry starts at the first event it did not.
      if (error instanceof PartialPublishError && error.published > 0) await this.#markSent(rows.slice(0, error.published));
      throw error;
    }
    await this.#markSent(rows);
    return rows.length;
  }

  async #markSent(rows: ReadonlyArray<{ seq: number }>): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ published_at: new Date().toISOString() })
      .where(
        'seq',
        'in',
        rows.map((r) => r.seq),
      )
      .execute();
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
