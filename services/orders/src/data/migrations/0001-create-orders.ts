import type { Kysely, Migration } from '@microshop/data';

export const createOrders: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('orders')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('items', 'text', (c) => c.notNull())
      .addColumn('total_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'varchar(3)', (c) => c.notNull())
      .addColumn('shipping_address', 'text', (c) => c.notNull())
      .addColumn('cancellation_reason', 'varchar(32)')
      .addColumn('history', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'varchar(128)', (c) => c.notNull())
      .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      // The same key from the same user is the same order, even when two requests race.
      .addUniqueConstraint('orders_idempotency', ['user_id', 'idempotency_key'])
      .execute();
    await db.schema.createIndex('orders_user_created').on('orders').columns(['user_id', 'created_at']).execute();
  },
};
