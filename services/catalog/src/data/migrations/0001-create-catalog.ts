import type { Kysely, Migration } from '@microshop/data';

export const createCatalog: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('categories')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(200)', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('products')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('sku', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('name', 'varchar(200)', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('price_cents', 'integer', (c) => c.notNull())
      .addColumn('currency', 'varchar(3)', (c) => c.notNull())
      .addColumn('category_id', 'varchar(64)', (c) => c.notNull().references('categories.id'))
      .addColumn('image_url', 'varchar(2000)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    // Pages are ordered by (name, id); this index serves both the order and the cursor seek.
    await db.schema.createIndex('products_name_id').on('products').columns(['name', 'id']).execute();
    await db.schema.createIndex('products_category_name_id').on('products').columns(['category_id', 'name', 'id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('products').execute();
    await db.schema.dropTable('categories').execute();
  },
};
