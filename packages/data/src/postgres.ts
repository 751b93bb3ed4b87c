import { type CompiledQuery, PostgresDialect } from 'kysely';
import pg from 'pg';
import { traceStatement } from './statement-spans.js';

const INT8_OID = 20;

/** The span attributes naming the database (never its credentials); a libpq key=value string names only the system. */
function whereIs(connectionString: string): Record<string, string | number> {
  try {
    const url = new URL(connectionString);
    return {
      'db.system.name': 'postgresql',
      'db.namespace': decodeURIComponent(url.pathname.slice(1)) || 'postgres',
      'server.address': url.hostname || 'localhost',
      'server.port': Number(url.port || 5432),
    };
  } catch {
    return { 'db.system.name': 'postgresql' };
  }
}

/** A pooled PostgreSQL dialect. bigint results (counts, sums) come back as numbers, not strings. */
export function postgresDialect(connectionString: string, poolSize: number): { dialect: PostgresDialect; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server emits 'error'; without a listener that kills the process.
  pool.on('error', () => {});
  const database = whereIs(connectionString);
  return {
    dialect: new PostgresDialect({
      pool,
      // A client span per statement of a recorded trace (statement-spans.ts). Each connection is
      // made once per pooled client, so its own executeQuery is wrapped once.
      onCreateConnection: async (connection) => {
        const execute = connection.executeQuery.bind(connection);
        connection.executeQuery = <R>(compiled: CompiledQuery) => traceStatement(compiled, database, () => execute<R>(compiled));
      },
    }),
    pool,
  };
}
