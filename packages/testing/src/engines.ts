import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const POSTGRES_ADMIN_URL = process.env.MICROSHOP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REQUIRE_INFRA = process.env.MICROSHOP_REQUIRE_INFRA === '1';

export interface TestDatabase {
  dataDir: string;
  /** Set for PostgreSQL: a database made for this test and dropped by cleanup(). */
  databaseUrl: string | undefined;
  cleanup(): Promise<void>;
}

export interface TestEngine {
  name: 'sqlite' | 'postgres';
  /** A reason to skip (node:test prints it), or false. */
  skip: string | false;
  create(label: string): Promise<TestDatabase>;
}

export async function tempDir(prefix = 'microshop-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let reachability: Promise<string | undefined> | undefined;

/** Undefined when PostgreSQL answers, else why not. Checked once per test process. */
export function postgresUnreachable(): Promise<string | undefined> {
  reachability ??= withAdmin(async (client) => {
    await client.query('select 1');
    return undefined;
  }).catch((error: Error) => `PostgreSQL not reachable at ${POSTGRES_ADMIN_URL}: ${error.message}`);
  return reachability;
}

/**
 * A fresh, uniquely named PostgreSQL database; drop() removes it even with open connections, cut() ends every connection
 * to it, query() runs one statement in it on a connection of its own.
 */
export async function createPostgresDatabase(
  label: string,
): Promise<{ url: string; drop(): Promise<void>; cut(): Promise<number>; size(): Promise<number>; query<T>(text: string): Promise<T[]> }> {
  const name = `mstest_${label.replace(/\W/g, '_').slice(0, 30)}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  await withAdmin((client) => client.query(`create database "${name}"`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin((client) => client.query(`drop database if exists "${name}" with (force)`)).then(() => {}),
    query: async <T>(text: string) => {
      const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 2_000 });
      await client.connect();
      try {
        return (await client.query(text)).rows as T[];
      } finally {
        await client.end();
      }
    },
    size: () => withAdmin((client) => client.query('select pg_database_size($1) as bytes', [name])).then((result) => Number(result.rows[0]?.bytes ?? 0)),
    cut: () =>
      withAdmin((client) => client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name])).then(
        (result) => result.rowCount ?? 0,
      ),
  };
}

/**
 * The engines a data test runs on: SQLite always; PostgreSQL when reachable. Unreachable
 * PostgreSQL is a skip with the reason, or a failure when MICROSHOP_REQUIRE_INFRA=1.
 */
export async function testEngines(): Promise<TestEngine[]> {
  const unreachable = await postgresUnreachable();
  return [
    {
      name: 'sqlite',
      skip: false,
      async create() {
        const dataDir = await tempDir();
        return { dataDir, databaseUrl: undefined, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
      },
    },
    {
      name: 'postgres',
      skip: unreachable && !REQUIRE_INFRA ? `${unreachable} (set MICROSHOP_REQUIRE_INFRA=1 to fail instead)` : false,
      async create(label: string) {
        if (unreachable) throw new Error(`MICROSHOP_REQUIRE_INFRA=1 but ${unreachable}`);
        const dataDir = await tempDir();
        const database = await createPostgresDatabase(label);
        return {
          dataDir,
          databaseUrl: database.url,
          cleanup: async () => {
            await database.drop();
            await rm(dataDir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}
