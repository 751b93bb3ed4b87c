import { engineOf, type Generated, type Kysely, type Migration } from '@microshop/data';

export interface OutboxTable {
  seq: Generated<number>;
  id: string;
  type: string;
  body: string;
  created_at: string;
  published_at: string | null;
}

export interface InboxTable {
  consumer: string;
  event_id: string;
  handled_at: string;
}

/** The tables a service's own database needs to publish (outbox) and consume (inbox) events. */
export interface MessagingTables {
  outbox: OutboxTable;
  inbox: InboxTable;
}

/** Add to a service's migrations: the outbox and inbox live beside the state they guard. */
export const createMessagingTables: Migration = {
  async up(db: Kysely<unknown>) {
    const postgres = engineOf(db) === 'postgres';
    await db.schema
      .createTable('outbox')
      .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('id', 'varchar(128)', (c) => c.notNull().unique())
      .addColumn('type', 'varchar(128)', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('published_at', 'varchar(32)')
      .execute();
    await db.schema.createIndex('outbox_unpublished').on('outbox').columns(['published_at', 'seq']).execute();
    await db.schema
      .createTable('inbox')
      .addColumn('consumer', 'varchar(128)', (c) => c.notNull())
      .addColumn('event_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('handled_at', 'varchar(32)', (c) => c.notNull())
      .addPrimaryKeyConstraint('inbox_pk', ['consumer', 'event_id'])
      .execute();
  },
};
