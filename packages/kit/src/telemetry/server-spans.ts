import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bindTraceIds } from '../logger.js';

/** The routes that never make spans: probes and scrapes would bury the traces users look for. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics', '/internal/bus']);

declare module 'fastify' {
  interface FastifyRequest {
    serverSpan: Span | null;
    /** What the handler threw, for the span's status if the answer is a 5xx. */
    serverSpanError: string | null;
  }
}

const tracer = trace.getTracer('@microshop/kit');

/** A version-00 `traceparent` flagged unsampled, as the gateway passes on for what it does not record. */
const UNSAMPLED_TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f][02468ace]$/;

/**
 * The caller's trace and span ids when its `traceparent` is version 00, unsampled and alone (no
 * `tracestate`, no baggage): nearly every request under the default sampler. Read with one regular
 * expression instead of the propagators' extract, which for these requests cost the catalog as
 * much as the rest of its tracing together; anything else is left to the propagators.
 */
function plainUnsampledCaller(request: FastifyRequest): { traceId: string; spanId: string } | undefined {
  const { traceparent, tracestate, baggage } = request.headers;
  if (typeof traceparent !== 'string' || tracestate !== undefined || baggage !== undefined) return undefined;
  if (!UNSAMPLED_TRACEPARENT.test(traceparent)) return undefined;
  return { traceId: traceparent.slice(3, 35), spanId: traceparent.slice(36, 52) };
}

/**
 * Runs `act` if the answer's connection closes before the answer was finished: the caller went
 * away, and onResponse will not run. For a recorded span only: Fastify's onRequestAbort hook puts
 * a listener on every request, which measured on the catalog was most of an unrecorded request's
 * tracing cost.
 */
export function whenAbandoned(reply: FastifyReply, act: () => void): void {
  const response = reply.raw;
  response.once('close', () => {
    if (!response.writableFinished) act();
  });
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * A server span per request (SPEC §5b), named `METHOD route`, child of the caller's
 * `traceparent` (none when the caller's trace is not sampled); the hooks after it, the handler and its log lines run in its context, so the
 * database, the calls and the events it makes are its children. Written here rather than taken
 * from @fastify/otel, which wraps every route with hooks of its own and, measured on the catalog,
 * cost about 40 µs a request more than these three hooks, sampled or not. As the semantic
 * conventions say of server spans, a 4xx answer is the caller's error and leaves the status unset;
 * a 5xx is an error, with the message of what was thrown when something was.
 */
export function installServerSpans(app: FastifyInstance): void {
  app.decorateRequest('serverSpan', null);
  app.decorateRequest('serverSpanError', null);
  app.addHook('onRequest', (request, reply, done) => {
    const path = pathOf(request.url);
    if (UNTRACED.has(path) || path.startsWith('/internal/otlp/')) {
      done();
      return;
    }
    const plain = plainUnsampledCaller(request);
    if (plain) {
      // The trace is not being recorded (its first span decided): no span of our own, and no
      // context either, since an unrecorded one is not followed across awaits anyway
      // (recorded-context.ts) and a statement or call made without one starts no trace. The
      // request's log lines name the caller's trace and span, through its logger; the calls and
      // events it makes pass the caller's `traceparent` on, so they stay unsampled.
      bindTraceIds(request.log, plain.traceId, plain.spanId);
      done();
      return;
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const caller = trace.getSpanContext(parent);
    if (caller && (caller.traceFlags & TraceFlags.SAMPLED) === 0) {
      // The same, for a context the propagators had to read (a `tracestate`, baggage).
      bindTraceIds(request.log, caller.traceId, caller.spanId);
      context.with(parent, done);
      return;
    }
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      `${request.method} ${route ?? 'unmatched'}`,
      {
        kind: SpanKind.SERVER,
        // The query string may carry what no trace should keep.
        attributes: { 'http.request.method': request.method, 'http.route': route ?? 'unmatched', 'url.path': path, 'microshop.request_id': request.id },
      },
      parent,
    );
    request.serverSpan = span;
    // A caller that goes away before the answer still ends a recorded span.
    if (span.isRecording()) whenAbandoned(reply, () => endServerSpan(request, 0));
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onError', (request, _reply, error, done) => {
    const span = request.serverSpan;
    if (span?.isRecording()) {
      span.recordException(error);
      request.serverSpanError = error.message;
    }
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    endServerSpan(request, reply.statusCode);
    done();
  });
}

function endServerSpan(request: FastifyRequest, status: number): void {
  const span = request.serverSpan;
  if (!span) return;
  request.serverSpan = null;
  if (!span.isRecording()) {
    span.end();
    return;
  }
  if (status === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the caller went away' });
  else {
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: request.serverSpanError ?? `answered ${status}` });
  }
  span.end();
}
