import type { Kysely, Migration } from '@microshop/data';

/** Signing keys now come from configuration: the private keys earlier versions kept here are erased. */
export const dropSigningKeys: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropTable('signing_keys').ifExists().execute();
  },
};
