import type { Kysely, Migration } from '@microshop/data';

/** The settle deadline looks for the oldest PENDING orders (deadline.ts). */
export const pendingByAge: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('orders_status_created').on('orders').columns(['status', 'created_at']).execute();
  },
};
