import type { Kysely, Migration } from '@microshop/data';
import { createMessagingTables, retentionIndexes } from '@microshop/messaging';

const createMessages: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('messages')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('kind', 'varchar(64)', (c) => c.notNull())
      .addColumn('subject', 'varchar(200)', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('messages_user').on('messages').columns(['user_id', 'created_at']).execute();
  },
};

/** Applied in name order; never rename or edit one that has shipped, add a new one. */
export const migrations: Record<string, Migration> = {
  '0001-create-messages': createMessages,
  '0002-messaging': createMessagingTables,
  '0003-retention': retentionIndexes(),
};
