import type { Kysely, Migration } from '@microshop/data';

export const createShipping: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('drones')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(100)', (c) => c.notNull())
      .addColumn('load', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('deliveries')
      .addColumn('order_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('drone_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('depart_at', 'bigint', (c) => c.notNull())
      .addColumn('arrive_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('deliveries_due').on('deliveries').columns(['status', 'depart_at']).execute();
  },
};

/** The seeded fleet. */
export const seedFleet: Migration = {
  async up(db: Kysely<unknown>) {
    const names = ['Albatross', 'Bee', 'Condor', 'Dragonfly', 'Egret', 'Falcon', 'Gannet', 'Heron'];
    await (db as Kysely<{ drones: { id: string; name: string; load: number } }>)
      .insertInto('drones')
      .values(names.map((name, i) => ({ id: `drone-${String(i + 1).padStart(2, '0')}`, name, load: 0 })))
      .execute();
  },
};
