import { Kysely, type Migration, Migrator, PostgresAdapter, sql } from 'kysely';
import { redactUrl } from './redact-url.js';

export type Engine = 'sqlite' | 'postgres';

export interface Database<DB> {
  readonly db: Kysely<DB>;
  readonly engine: Engine;
  /** Where the data lives (a file path or a redacted URL), for logs. */
  readonly location: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Names the SQLite file (`<dataDir>/<service>.sqlite`). */
  service: string;
  dataDir: string;
  /** When set, PostgreSQL at this URL; otherwise embedded SQLite. */
  databaseUrl?: string | undefined;
  /** Numbered migrations, applied in name order. */
  migrations: Record<string, Migration>;
  poolSize?: number;
}

export class MigrationError extends Error {
  constructor(migration: string | undefined, cause: unknown) {
    super(`migration ${migration ?? '(unknown)'} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'MigrationError';
  }
}

/** Brings the schema up to date. Safe when several instances start at once (the migrator locks). */
export async function migrate(db: Kysely<unknown>, migrations: Record<string, Migration>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName, error);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Opens the service's own database on the engine its configuration names and migrates it. */
export async function openDatabase<DB>(options: OpenDatabaseOptions): Promise<Database<DB> & { applied: string[] }> {
  let db: Kysely<DB>;
  let engine: Engine;
  let location: string;
  // Each engine's driver loads only when used: a SQLite service never pays for pg, nor the reverse.
  if (options.databaseUrl) {
    const { postgresDialect } = await import('./postgres.js');
    const { dialect } = postgresDialect(options.databaseUrl, options.poolSize ?? 10);
    db = new Kysely<DB>({ dialect });
    engine = 'postgres';
    location = redactUrl(options.databaseUrl);
  } else {
    const { sqliteDialect } = await import('./sqlite.js');
    const { dialect, file } = sqliteDialect(options.dataDir, options.service);
    db = new Kysely<DB>({ dialect });
    engine = 'sqlite';
    location = file;
  }
  try {
    const applied = await migrate(db as Kysely<unknown>, options.migrations);
    return {
      db,
      engine,
      location,
      applied,
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () => db.destroy(),
    };
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
}

/** True when `error` is a unique-constraint violation on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Which engine a Kysely instance (or transaction) talks to; migrations use it for the few type differences. */
export function engineOf(db: Kysely<unknown>): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
