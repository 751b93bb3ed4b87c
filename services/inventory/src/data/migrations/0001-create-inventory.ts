import { type Kysely, type Migration, sql } from '@microshop/data';

export const createInventory: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('stock')
      .addColumn('product_id', 'varchar(64)', (c) => c.primaryKey())
      // The database itself refuses negative stock, whatever a bug upstream might try.
      .addColumn('available', 'integer', (c) => c.notNull().check(sql`available >= 0`))
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('reservations')
      .addColumn('order_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('product_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('quantity', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addPrimaryKeyConstraint('reservations_pk', ['order_id', 'product_id'])
      .execute();
  },
};
