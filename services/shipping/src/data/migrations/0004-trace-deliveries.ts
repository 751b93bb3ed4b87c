import type { Kysely, Migration } from '@microshop/data';

/** A delivery remembers the trace it was scheduled in: its departure and arrival continue that trace. */
export const traceDeliveries: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('deliveries').addColumn('traceparent', 'varchar(64)').execute();
  },
};
