import { type Context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { bindTraceIds } from '@microshop/kit';
import { telemetry, whenAbandoned } from '@microshop/kit/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ROUTE_TABLE } from '../route-table.js';
import { newTraceparent } from './trace-ids.js';

/**
 * The gateway's server span: one per request, started in onRequest from the client's
 * `traceparent` (or as a new trace) and ended with the answer. It is never the active context
 * across asynchronous calls (the gateway keeps no AsyncLocalStorage, whose hooks would cost every
 * request: see the kit's sync-context.ts). The proxy forwards a `traceparent` naming this span, and
 * the gateway's own routes call services inside `edgeContext(request)`, so those calls are its
 * children.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** The `traceparent` to forward: this request's span, or (tracing off) the client's or a new one. */
    traceparent: string;
    edgeSpan: Span | null;
  }
}

export const TRACE_ID_HEADER = 'x-trace-id';
const TRACEPARENT = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
/** As the W3C propagator reads one: a later version may add fields; version ff is invalid. */
const ANY_TRACEPARENT = /^\s?(?!ff)([0-9a-f]{2})-(?!0{32})([0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}(-.*)?\s?$/;

/** The trace id a client's `traceparent` names, read as the propagator reads it, or undefined. */
function clientTraceId(given: unknown): string | undefined {
  if (typeof given !== 'string') return undefined;
  const match = ANY_TRACEPARENT.exec(given);
  if (!match || (match[1] === '00' && match[3] !== undefined)) return undefined;
  return match[2];
}
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);

const tracer = trace.getTracer('@microshop/gateway');

/**
 * The request's route, for its span and its sampling (sampler.ts samples by operation): a proxied
 * path is named by the owning service's prefix, `/*` when deeper (`POST /api/orders` and
 * `GET /api/orders/*` are two operations; each product's page is not an operation of its own).
 */
function routeOf(request: FastifyRequest, path: string): string {
  const route = request.routeOptions.url;
  if (route !== undefined && !route.endsWith('*')) return route;
  for (const { prefix, below, operation } of PREFIXES) {
    if (path === prefix) return prefix;
    if (path.startsWith(below)) return operation;
  }
  return route ?? 'unmatched';
}
/** Each owning prefix, with what lies below it and that operation's route, made once. */
const PREFIXES = ROUTE_TABLE.map(({ prefix }) => ({ prefix, below: `${prefix}/`, operation: `${prefix}/*` }));

export function installEdgeSpans(app: FastifyInstance): void {
  const otel = telemetry();
  app.decorateRequest('traceparent', '');
  app.decorateRequest('edgeSpan', null);
  app.addHook('onRequest', (request, reply, done) => {
    const query = request.url.indexOf('?');
    const path = query === -1 ? request.url : request.url.slice(0, query);
    const given = request.headers.traceparent;
    if (!otel?.enabled || UNTRACED.has(path) || path.startsWith('/internal/')) {
      // Every request is traced: a client that starts no trace gets one started here.
      request.traceparent = typeof given === 'string' && TRACEPARENT.test(given) ? given : newTraceparent();
      reply.header(TRACE_ID_HEADER, request.traceparent.slice(3, 35));
      done();
      return;
    }
    const route = routeOf(request, path);
    const admitted = otel.admit(`${request.method} ${route}`, ROOT_CONTEXT);
    if (!admitted) {
      // Not to be recorded: no span at all, only the context passed on (the trace's id, if the
      // client started one, and a span id of our own, flagged unsampled, so that nothing
      // downstream records it either).
      request.traceparent = newTraceparent(clientTraceId(given), false);
      reply.header(TRACE_ID_HEADER, request.traceparent.slice(3, 35));
      setLogIds(request, request.traceparent.slice(3, 35), request.traceparent.slice(36, 52));
      done();
      return;
    }
    const parent = propagation.extract(admitted, request.headers);
    const span = tracer.startSpan(
      `${request.method} ${path.length > 120 ? `${path.slice(0, 120)}…` : path}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': path,
          'client.address': request.ip,
          'microshop.request_id': request.id,
        },
      },
      parent,
    );
    const { traceId, spanId, traceFlags } = span.spanContext();
    request.edgeSpan = span;
    // A client that goes away before the answer still ends a recorded span.
    if (span.isRecording()) {
      whenAbandoned(reply, () => {
        if (request.edgeSpan !== span) return;
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
        span.end();
        request.edgeSpan = null;
      });
    }
    request.traceparent = `00-${traceId}-${spanId}-${(traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`;
    reply.header(TRACE_ID_HEADER, traceId);
    setLogIds(request, traceId, spanId);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    endEdgeSpan(request, reply);
    done();
  });
}

/**
 * Lines about this request name its trace (proxied requests are not in the active context); the
 * request's logger is its own already, so it takes the ids itself, without another child.
 */
function setLogIds(request: FastifyRequest, traceId: string, spanId: string): void {
  bindTraceIds(request.log, traceId, spanId);
}

/**
 * The context to make calls to services in: the request's span, or, when it is not recorded, its
 * unsampled trace context (so that the services record none of it either; local, since at the edge
 * a remote parent's flag is not obeyed), or the root context when tracing is off.
 */
export function edgeContext(request: FastifyRequest): Context {
  if (request.edgeSpan) return trace.setSpan(ROOT_CONTEXT, request.edgeSpan);
  const traceparent = request.traceparent;
  if (!traceparent || !traceparent.endsWith('-00')) return ROOT_CONTEXT;
  const unsampled = { traceId: traceparent.slice(3, 35), spanId: traceparent.slice(36, 52), traceFlags: TraceFlags.NONE, isRemote: false };
  return trace.setSpanContext(ROOT_CONTEXT, unsampled);
}

function endEdgeSpan(request: FastifyRequest, reply: FastifyReply): void {
  const span = request.edgeSpan;
  if (!span) return;
  request.edgeSpan = null;
  if (!span.isRecording()) {
    span.end();
    return;
  }
  span.setAttribute('http.response.status_code', reply.statusCode);
  if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `answered ${reply.statusCode}` });
  const upstream = request.upstreamInstance;
  if (upstream) span.setAttribute('microshop.upstream', upstream.id);
  span.end();
}
