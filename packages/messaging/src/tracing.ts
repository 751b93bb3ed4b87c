import { type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { operations } from '@microshop/contracts';
import type { CloudEvent } from './envelope.js';

/**
 * Spans for events, after OpenTelemetry's messaging conventions: a `create` producer span where an
 * event is written (its context travels in the event's `traceparent`), a `send` producer span when
 * the relay hands it to the broker, and a `process` consumer span, child of the event's context,
 * around its handler. With no SDK started these cost nothing and the incoming `traceparent` is
 * passed on unchanged, as before tracing.
 */

const tracer = trace.getTracer('@microshop/messaging');
const TRACEPARENT_IN_BODY = /"traceparent":"([0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2})"/;

export const { ORDER_ID_ATTRIBUTE } = operations;

/** The context an event's `traceparent` names (the root context when it has none). */
export function contextOf(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/** The order an event is about, when it is about one. */
function orderIdOf(data: unknown): string | undefined {
  const orderId = (data as { orderId?: unknown } | null)?.orderId;
  return typeof orderId === 'string' ? orderId : undefined;
}

function attributesOf(system: string, operation: 'create' | 'send' | 'process', type: string, id: string, orderId?: string) {
  return {
    'messaging.system': system,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    'messaging.destination.name': type,
    'messaging.message.id': id,
    ...(orderId ? { [ORDER_ID_ATTRIBUTE]: orderId } : {}),
  };
}

/**
 * Names an event being written now in its `traceparent`: a `create` span under the active span, or
 * `fallback` (what the caller was given) when nothing is being traced.
 */
export function traced<E extends CloudEvent>(system: string, event: E, fallback: string | undefined): E {
  const parent = context.active();
  const active = trace.getSpan(parent);
  let traceparent = fallback;
  if (active && (active.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) {
    // A trace not sampled stays unsampled downstream: the event carries the active span's context.
    traceparent = activeTraceparent(fallback);
  } else if (active) {
    const attributes = attributesOf(system, 'create', event.type, event.id, orderIdOf(event.data));
    const span = tracer.startSpan(`create ${event.type}`, { kind: SpanKind.PRODUCER, attributes }, parent);
    span.end();
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    traceparent = carrier.traceparent ?? fallback;
  }
  if (traceparent) event.traceparent = traceparent;
  return event;
}

/** `send` spans for the relay's rows, one per event, each a child of the event's own context. */
export function startSendSpans(system: string, rows: ReadonlyArray<{ id: string; type: string; body: string }>): Span[] {
  const spans: Span[] = [];
  for (const row of rows) {
    const traceparent = TRACEPARENT_IN_BODY.exec(row.body)?.[1];
    if (!traceparent) continue;
    const parent = contextOf(traceparent);
    if (!trace.getSpan(parent)?.spanContext().traceFlags) continue;
    spans.push(tracer.startSpan(`send ${row.type}`, { kind: SpanKind.PRODUCER, attributes: attributesOf(system, 'send', row.type, row.id) }, parent));
  }
  return spans;
}

export function endSpans(spans: readonly Span[], error?: unknown): void {
  for (const span of spans) {
    if (error !== undefined) failSpan(span, error);
    span.end();
  }
}

/** The `process` span of one delivery: a child of the event's context, by a consumer group. */
export function startProcessSpan(system: string, group: string, event: CloudEvent, attempt: number): { span: Span; context: Context } {
  const parent = contextOf(event.traceparent);
  const caller = trace.getSpan(parent);
  if (caller && (caller.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) {
    // Its trace is not recorded (its first span decided): the handler runs in the producer's
    // context, which carries that on to what it emits; ending its span does nothing.
    return { span: caller, context: parent };
  }
  const span = tracer.startSpan(
    `process ${event.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...attributesOf(system, 'process', event.type, event.id, orderIdOf(event.data)),
        'messaging.consumer.group.name': group,
        'messaging.message.delivery_attempt': attempt,
        'cloudevents.event_source': event.source,
        'cloudevents.event_subject': event.subject,
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** The W3C `traceparent` of the active span (to resume its trace later), or `fallback` when nothing is traced. */
export function activeTraceparent(fallback?: string): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? fallback;
}

/**
 * Runs `work` inside an internal span continuing the trace `traceparent` names: a step the service
 * takes later on its own (a drone departing) stays in the trace of what caused it.
 */
export function inTrace<T>(traceparent: string | null | undefined, name: string, attributes: Record<string, string>, work: () => T): T {
  if (!traceparent) return work();
  const parent = contextOf(traceparent);
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
  try {
    return context.with(trace.setSpan(parent, span), work);
  } finally {
    span.end();
  }
}

/**
 * `inTrace` for work that awaits: the span ends when the work has finished, with its error if it
 * failed. A trace that is not recorded gets no span; the work runs in its context.
 */
export async function inTraceAsync<T>(
  traceparent: string | null | undefined,
  name: string,
  attributes: Record<string, string>,
  work: () => Promise<T>,
): Promise<T> {
  if (!traceparent) return work();
  const parent = contextOf(traceparent);
  if (((trace.getSpanContext(parent)?.traceFlags ?? 0) & TraceFlags.SAMPLED) === 0) return context.with(parent, work);
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Names the order the active span (a request's, an event's) is about: the store finds its trace by it. */
export function tagOrder(orderId: string): void {
  trace.getActiveSpan()?.setAttribute(ORDER_ID_ATTRIBUTE, orderId);
}
