import type { Kysely, Migration } from '@microshop/data';

/**
 * Payments settle outside the consumer's transaction (settlement.ts): a payment remembers the
 * trace it was asked for in, and the simulated provider keeps what it was asked, by idempotency
 * key, as a real provider does on its side.
 */
export const settleOutside: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('payments').addColumn('traceparent', 'varchar(64)').execute();
    await db.schema.createIndex('payments_status').on('payments').columns(['status', 'updated_at']).execute();
    await db.schema
      .createTable('provider_ledger')
      .addColumn('idempotency_key', 'varchar(160)', (c) => c.primaryKey())
      .addColumn('operation', 'varchar(8)', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('ok', 'integer', (c) => c.notNull())
      .addColumn('detail', 'varchar(200)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
  },
};
