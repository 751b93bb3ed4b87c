import { trace, TraceFlags } from '@opentelemetry/api';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

/**
 * `trace_id` and `span_id` of the active recorded span (SPEC §5b), or nothing outside any. An
 * unrecorded request's lines carry its ids through its logger instead (server-spans.ts): its
 * context is not followed across awaits. Always a new object: pino merges the line's own fields
 * into what the mixin returns.
 */
export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  if ((traceFlags & TraceFlags.SAMPLED) === 0) return {};
  return { trace_id: traceId, span_id: spanId };
}

const { chindingsSym } = pino.symbols;
const HEX = /^[0-9a-f]+$/;

/**
 * Binds a request's `trace_id` and `span_id` to its own logger (a child per request), so that
 * every later line of it names them. The same as `logger.setBindings({ trace_id, span_id })`, which
 * runs each value through the redaction paths' stringifier (among the largest extra items in CPU
 * profiles of unrecorded requests, tracing on against off); the two ids are hex, which JSON needs
 * no escaping for, so they are appended to the child's serialized bindings directly
 * (`pino.symbols` is pino's interface for this). Anything else is not bound.
 */
export function bindTraceIds(log: unknown, traceId: string, spanId: string): void {
  const logger = log as Record<symbol, unknown>;
  const bindings = logger[chindingsSym];
  if (typeof bindings !== 'string' || !HEX.test(traceId) || !HEX.test(spanId)) return;
  logger[chindingsSym] = `${bindings},"trace_id":"${traceId}","span_id":"${spanId}"`;
}

/** Structured JSON logs; secrets never reach a log line. */
export function loggerOptions(options: { service: string; instanceId: string; level: string }): LoggerOptions {
  return {
    level: options.level,
    base: { service: options.service, instance: options.instanceId, pid: process.pid },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    messageKey: 'msg',
    // A line written while a request or an event is handled names its trace and span.
    mixin: traceFields,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        '*.password',
        '*.cardNumber',
        '*.cvc',
      ],
      censor: '[redacted]',
    },
    serializers: {
      err: (err: Error & { code?: string; statusCode?: number }) => ({
        type: err.name,
        message: err.message,
        code: err.code,
        stack: err.stack,
      }),
    },
  };
}

/** Log lines gather up to this many bytes before a write... */
const LOG_BATCH_BYTES = 4096;
/** ...or for at most this long, so a quiet process's lines still appear promptly. */
const LOG_FLUSH_MS = 200;

/**
 * A logger writing to stdout, or to `to` (where tests read it). Writes are asynchronous and batched (one system call per 4 KiB of
 * lines or 200 ms, instead of one per line: an access log line per request otherwise costs a
 * gateway a sixth of its CPU); pino flushes what is left when the process exits. A process killed
 * with SIGKILL loses at most its last 200 ms of lines. If stdout breaks (the runner reading it
 * died), logging stops instead of retrying the write forever.
 */
export function createLogger(options: { service: string; instanceId: string; level: string }, to?: DestinationStream): Logger {
  if (to) return pino(loggerOptions(options), to);
  const destination = pino.destination({ fd: 1, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS });
  const logger = pino(loggerOptions(options), destination);
  destination.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') logger.level = 'silent';
  });
  return logger;
}
