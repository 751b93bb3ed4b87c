import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

/**
 * Write transactions take SQLite's write lock up front (BEGIN IMMEDIATE). A deferred BEGIN that
 * reads first and writes later fails at once with SQLITE_BUSY when another process of the same
 * service committed in between; an immediate one waits for the lock (busy_timeout) instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite's DDL is transactional. Saying so makes the migrator run the whole upgrade in one
 * (immediate) transaction: a failed migration leaves nothing half-done, and several processes
 * starting at once take turns, each seeing what the previous one applied.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * Opens a SQLite file its owner alone may read: its directory is made 0700 and the file, its WAL
 * and shared-memory files 0600 (also when an earlier version made them readable to others).
 */
export function openPrivateSqlite(dir: string, name: string): { database: SqliteDatabase.Database; file: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, name);
  const database = new SqliteDatabase(file);
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
  return { database, file };
}

/** One file per service in the data directory, in WAL mode so several processes can share it. */
export function sqliteDialect(dataDir: string, service: string): { dialect: SqliteDialect; file: string } {
  const { database, file } = openPrivateSqlite(resolve(dataDir), `${service}.sqlite`);
  database.pragma('busy_timeout = 5000');
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  return { dialect: new ImmediateSqliteDialect({ database }), file };
}
