import { context, type Attributes, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { CompiledQuery, QueryResult } from 'kysely';

const tracer = trace.getTracer('@microshop/data');
const TRANSACTION_CONTROL = new Set(['BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'END', 'START']);
const VERB_AND_TABLE = /^\s*(\w+)(?:[\s\S]*?\b(?:from|into|update)\s+"?(\w+)"?)?/i;

/**
 * A client span for one statement (the semantic conventions' database spans), inside a recorded
 * request or event only: a query outside one starts no trace, and one under an unrecorded parent
 * costs a flag test. `database` names the system and where it is (`db.system.name`,
 * `db.namespace`, `server.*`). The text is Kysely's parameterized SQL, never the values.
 *
 * Both engines use this, PostgreSQL too: its OpenTelemetry instrumentation wraps every query,
 * recorded or not, and that wrapper was the largest single cost of tracing in a NATS + PostgreSQL
 * checkout (CPU profile of every process, default sampling against tracing off).
 */
export function traceStatement<R>(compiled: CompiledQuery, database: Attributes, run: () => Promise<QueryResult<R>>): Promise<QueryResult<R>> {
  const active = context.active();
  // Nothing to add to a trace that is not being recorded (not sampled, or none).
  if (((trace.getSpan(active)?.spanContext().traceFlags ?? 0) & TraceFlags.SAMPLED) === 0) return run();
  const [, verb = 'query', table] = VERB_AND_TABLE.exec(compiled.sql) ?? [];
  const operation = verb.toUpperCase();
  // Transaction control (a savepoint around each event, BEGIN and COMMIT) was a quarter of a
  // checkout's spans and says nothing the statements between them do not.
  if (TRANSACTION_CONTROL.has(operation)) return run();
  const span = tracer.startSpan(
    table ? `${operation} ${table}` : operation,
    {
      kind: SpanKind.CLIENT,
      attributes: { ...database, 'db.operation.name': operation, 'db.query.text': compiled.sql.slice(0, 2_048), ...(table ? { 'db.collection.name': table } : {}) },
    },
    active,
  );
  let running: Promise<QueryResult<R>>;
  try {
    running = run();
  } catch (error) {
    // Kysely's SQLite connection throws (a constraint, a syntax error) rather than rejecting.
    running = Promise.reject(error);
  }
  return running.then(
    (result) => {
      span.end();
      return result;
    },
    (error: unknown) => {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      span.end();
      throw error;
    },
  );
}
