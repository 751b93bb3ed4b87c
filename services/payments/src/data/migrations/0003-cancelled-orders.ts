import type { Kysely, Migration } from '@microshop/data';

/**
 * Orders known to be cancelled, remembered even when the cancellation arrives before the order's
 * other events (a deadline passed while they were stuck): what comes later for them is not acted on.
 */
export const cancelledOrders: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('cancelled_orders')
      .addColumn('order_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('cancelled_at', 'varchar(32)', (c) => c.notNull())
      .execute();
  },
};
