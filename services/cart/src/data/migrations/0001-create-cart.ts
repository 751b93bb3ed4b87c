import type { Kysely, Migration } from '@microshop/data';

export const createCart: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('prices')
      .addColumn('product_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(200)', (c) => c.notNull())
      .addColumn('price_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'varchar(3)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('cart_items')
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('product_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('quantity', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addPrimaryKeyConstraint('cart_items_pk', ['user_id', 'product_id'])
      .execute();
  },
};

/** A deleted product keeps its row, marked, so a late `upserted` event cannot bring it back. */
export const priceTombstones: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('prices').addColumn('deleted_at', 'varchar(32)').execute();
  },
};
