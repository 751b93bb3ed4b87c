import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { rm } from 'node:fs/promises';
import { tempDir, testEngines } from '@microshop/testing';
import { after, before, describe, it } from 'node:test';
import { type Database, isUniqueViolation, MigrationError, type Migration, openDatabase, sql } from '../src/index.js';
import { type NotesDatabase, notesMigrations } from './fixtures/notes-migrations.js';

for (const engine of await testEngines()) {
  describe(`data layer on ${engine.name}`, { skip: engine.skip }, () => {
    let target: Awaited<ReturnType<typeof engine.create>>;
    let database: Database<NotesDatabase>;
    const open = (migrations: Record<string, Migration> = notesMigrations) =>
      openDatabase<NotesDatabase>({ service: 'notes', dataDir: target.dataDir, databaseUrl: target.databaseUrl, migrations });

    before(async () => {
      target = await engine.create('data');
      database = await open();
    });
    after(async () => {
      await database?.close();
      await target?.cleanup();
    });

    it('runs on the engine its configuration names', () => {
      assert.equal(database.engine, engine.name);
      if (engine.name === 'postgres') assert.doesNotMatch(database.location, /:[^@/]+@/, 'no password in the location');
    });

    it('applies numbered migrations once, in order', async () => {
      const again = await open();
      try {
        assert.deepEqual(again.applied, []);
      } finally {
        await again.close();
      }
      await database.db.insertInto('notes').values({ id: 'n1', body: 'hello', writer: 'w' }).execute();
      const row = await database.db.selectFrom('notes').selectAll().where('id', '=', 'n1').executeTakeFirstOrThrow();
      assert.deepEqual(row, { id: 'n1', body: 'hello', writer: 'w' });
    });

    // One process holds one SQLite connection; on SQLite, several instances are several processes (below).
    if (engine.name === 'postgres') it('lets several instances start at once against one database', async () => {
      const opened = await Promise.all([open(), open(), open()]);
      try {
        assert.ok(opened.every((d) => d.applied.length === 0));
      } finally {
        await Promise.all(opened.map((d) => d.close()));
      }
    });

    it('rolls a failed transaction back whole', async () => {
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await trx.insertInto('notes').values({ id: 'tx1', body: 'a', writer: 'w' }).execute();
          await trx.insertInto('notes').values({ id: 'tx1', body: 'duplicate', writer: 'w' }).execute();
        }),
        (error: unknown) => isUniqueViolation(error),
      );
      const found = await database.db.selectFrom('notes').select('id').where('id', '=', 'tx1').execute();
      assert.deepEqual(found, []);
    });

    it('answers ping and reports counts as numbers', async () => {
      await database.ping();
      const { n } = await database.db
        .selectFrom('notes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(typeof n, 'number');
    });

    it('stops at a failing migration and says which', async () => {
      const broken: Record<string, Migration> = {
        ...notesMigrations,
        '0003-broken': {
          async up(db) {
            await sql`create table half_done (id integer)`.execute(db);
            await sql`this is not sql`.execute(db);
          },
        },
      };
      await assert.rejects(open(broken), (error: unknown) => error instanceof MigrationError && /0003-broken/.test(error.message));
      // DDL is transactional on both engines: the half-applied migration left nothing behind.
      const tables = await (database.engine === 'sqlite'
        ? sql<{ name: string }>`select name from sqlite_master where name = 'half_done'`.execute(database.db)
        : sql<{ name: string }>`select table_name as name from information_schema.tables where table_name = 'half_done'`.execute(database.db));
      assert.deepEqual(tables.rows, []);
    });

    if (engine.name === 'sqlite') {
      it('uses WAL so readers never block the writer', async () => {
        const result = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
        assert.equal(result.rows[0]?.journal_mode, 'wal');
      });

      it('lets several processes migrate and write one fresh database at once', async () => {
        const dataDir = await tempDir();
        const writer = fileURLToPath(new URL('./fixtures/writer.js', import.meta.url));
        const children = ['p1', 'p2', 'p3'].map((name) =>
          spawn(process.execPath, [writer, dataDir, name, '60'], { stdio: ['ignore', 'ignore', 'pipe'] }),
        );
        const results = await Promise.all(
          children.map(async (child) => {
            let stderr = '';
            child.stderr?.on('data', (d: Buffer) => {
              stderr += d.toString();
            });
            const [code] = await once(child, 'exit');
            return { code, stderr };
          }),
        );
        for (const r of results) assert.equal(r.code, 0, r.stderr);
        const shared = await openDatabase<NotesDatabase>({ service: 'notes', dataDir, migrations: notesMigrations });
        const { n } = await shared.db
          .selectFrom('notes')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('writer', 'in', ['p1', 'p2', 'p3'])
          .executeTakeFirstOrThrow();
        await shared.close();
        await rm(dataDir, { recursive: true, force: true });
        assert.equal(n, 180);
      });
    }
  });
}
