import type { Kysely, Migration } from '@microshop/data';

export const createPayments: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('payment_methods')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('brand', 'varchar(32)', (c) => c.notNull())
      .addColumn('last4', 'varchar(4)', (c) => c.notNull())
      .addColumn('exp_month', 'integer', (c) => c.notNull())
      .addColumn('exp_year', 'integer', (c) => c.notNull())
      .addColumn('assessment', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('payments')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      // One payment per order: a redelivered event can never make a second.
      .addColumn('order_id', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('payment_method_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('amount_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'varchar(3)', (c) => c.notNull())
      .addColumn('card_brand', 'varchar(32)', (c) => c.notNull())
      .addColumn('card_last4', 'varchar(4)', (c) => c.notNull())
      .addColumn('provider_reference', 'varchar(128)')
      .addColumn('failure_reason', 'varchar(200)')
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('payments_user').on('payments').columns(['user_id', 'created_at']).execute();
  },
};
