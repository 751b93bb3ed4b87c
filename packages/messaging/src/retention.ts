import { type Kysely, type Migration, sql } from '@microshop/data';
import type { MessagingTables } from './tables.js';
import type { Transport } from './transport.js';

/** How long what the bus has finished with is kept, and how many dead letters at most. */
export interface RetentionLimits {
  /** Handled inbox rows, sent outbox rows, delivered bus messages and dead letters older than this go. */
  maxAgeMs: number;
  /** Dead letters kept in all (the oldest go first). */
  deadLetterMax: number;
}

/** A service table whose rows can go once the column (an ISO timestamp) is older than the retention. */
export interface RetainedTable {
  table: string;
  column: string;
}

export interface RetentionLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Rows deleted per statement, so neither SQLite's write lock nor a PostgreSQL transaction is held long. */
const CHUNK = 5_000;

/**
 * Index the columns retention deletes by (add as a service migration after its messaging tables,
 * naming the service's own retained tables too), so a prune reads only what it deletes.
 */
export function retentionIndexes(extra: readonly RetainedTable[] = []): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const { table, column } of [{ table: 'inbox', column: 'handled_at' }, ...extra]) {
        await db.schema.createIndex(`${table}_${column}_retention`).ifNotExists().on(table).column(column).execute();
      }
    },
  };
}

/**
 * Deletes, every so often, what the service no longer needs: inbox rows of events handled before
 * the cutoff (a redelivery comes within minutes, never days), sent outbox rows, the service's own
 * retained tables, and (through the transport) delivered bus messages and old or surplus dead letters.
 */
export class Retention<DB extends MessagingTables = MessagingTables> {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;
  private readonly db: Kysely<MessagingTables>;

  constructor(
    db: Kysely<DB>,
    private readonly transport: Transport,
    private readonly log: RetentionLogger,
    private readonly options: RetentionLimits & { tables?: readonly RetainedTable[]; everyMs?: number },
  ) {
    this.db = db as unknown as Kysely<MessagingTables>;
  }

  /** Prunes once now; returns how many rows each place lost. */
  async prune(now = Date.now()): Promise<Record<string, number>> {
    const cutoff = new Date(now - this.options.maxAgeMs).toISOString();
    const deleted: Record<string, number> = {};
    const places: Array<{ table: string; column: string; sent?: boolean }> = [
      { table: 'inbox', column: 'handled_at' },
      { table: 'outbox', column: 'published_at', sent: true },
      ...(this.options.tables ?? []),
    ];
    for (const { table, column } of places) deleted[table] = await this.#deleteOlder(table, column, cutoff);
    const bus = await this.transport.prune(this.options, now);
    deleted['bus messages'] = bus.messages;
    deleted['dead letters'] = bus.deadLetters;
    return deleted;
  }

  /** Deletes in chunks; `column < cutoff` is false for null, so unsent outbox rows always stay. */
  async #deleteOlder(table: string, column: string, cutoff: string): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await sql`delete from ${sql.table(table)} where ${sql.ref(column)} in (
        select ${sql.ref(column)} from ${sql.table(table)} where ${sql.ref(column)} < ${cutoff}
        order by ${sql.ref(column)} limit ${CHUNK})`.execute(this.db);
      const n = Number(result.numAffectedRows ?? 0);
      total += n;
      if (n < CHUNK) return total;
    }
  }

  /** Prunes soon after start (with jitter, so instances do not all prune at once), then every `everyMs`. */
  start(): void {
    this.#stopped = false;
    const every = this.options.everyMs ?? Math.min(Math.max(this.options.maxAgeMs / 24, 60_000), 3_600_000);
    const schedule = (delay: number) => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => {
        this.#running = this.prune()
          .then((deleted) => {
            if (Object.values(deleted).some((n) => n > 0)) this.log.info({ deleted }, 'retention pruned rows past their age');
          })
          .catch((error: unknown) => this.log.warn({ err: error }, 'retention could not prune; will try again'))
          .finally(() => {
            this.#running = undefined;
            schedule(every);
          });
      }, delay);
      this.#timer.unref();
    };
    schedule(5_000 + Math.floor(Math.random() * 10_000));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
