import { PostgresDialect } from 'kysely';
import pg from 'pg';

const INT8_OID = 20;

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
  return { dialect: new PostgresDialect({ pool }), pool };
}
