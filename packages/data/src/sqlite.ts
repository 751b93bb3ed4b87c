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
import { traceStatement } from './statement-spans.js';

/**
 * Write transactions take SQLite's write lock up front (BEGIN IMMEDIATE). A deferred BEGIN that
 * reads first and writes later fails at once with SQLITE_BUSY when another process of the same
 * service committed in between; an immediate one waits for the lock (busy_timeout) instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly namespace: string,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    return tracedConnection(await super.acquireConnection(), this.namespace);
  }
}

/** A client span per statement (statement-spans.ts): SQLite has no OpenTelemetry instrumentation. */
function tracedConnection(connection: DatabaseConnection, namespace: string): DatabaseConnection {
  const database = { 'db.system.name': 'sqlite', 'db.namespace': namespace };
  return {
    streamQuery: connection.streamQuery.bind(connection),
    executeQuery: <R>(compiled: CompiledQuery) => traceStatement(compiled, database, () => connection.executeQuery<R>(compiled)),
  };
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
  constructor(
    config: SqliteDialectConfig,
    private readonly namespace: string,
  ) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.namespace);
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

/** Distinct statements kept prepared per database; the oldest goes first past this (`in (...)` lists vary). */
const STATEMENT_CACHE_SIZE = 1_000;

/**
 * The database as Kysely sees it, with its statements kept prepared. Kysely prepares every query
 * it runs, and SQLite's prepare (parsing and planning) was about a tenth of the services'
 * main-thread time under checkout load (CPU profile); a service runs a few dozen distinct
 * statements. A statement still being iterated (a stream) is not handed out twice.
 */
function withPreparedStatements(database: SqliteDatabase.Database): SqliteDialectConfig['database'] {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare: (sql: string) => {
      const kept = statements.get(sql);
      if (kept && !kept.busy) return kept;
      const statement = database.prepare(sql);
      if (!kept) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/** One file per service in the data directory, in WAL mode so several processes can share it. */
export function sqliteDialect(dataDir: string, service: string): { dialect: SqliteDialect; file: string } {
  const { database, file } = openPrivateSqlite(resolve(dataDir), `${service}.sqlite`);
  database.pragma('busy_timeout = 5000');
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  return { dialect: new ImmediateSqliteDialect({ database: withPreparedStatements(database) }, service), file };
}
