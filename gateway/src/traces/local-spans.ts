import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { StoredSpan, TraceStore } from './store.js';

const KINDS: StoredSpan['kind'][] = ['internal', 'server', 'client', 'producer', 'consumer'];
const STATUSES: StoredSpan['status'][] = ['unset', 'ok', 'error'];

const millis = ([seconds, nanos]: [number, number]) => seconds * 1000 + nanos / 1e6;

type Attributes = StoredSpan['attributes'];
function flat(attributes: ReadableSpan['attributes']): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (Array.isArray(value)) out[key] = value.filter((v): v is string | number | boolean => v !== null && v !== undefined);
  }
  return out;
}

/** The gateway's own spans, into its trace store as they end: no serializing, no network. */
export class LocalSpans implements SpanProcessor {
  constructor(private readonly store: TraceStore) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    const { traceId, spanId, traceFlags } = span.spanContext();
    if ((traceFlags & 1) === 0) return;
    const resource = span.resource.attributes;
    const stored: StoredSpan = {
      traceId,
      spanId,
      parentSpanId: span.parentSpanContext?.spanId ?? null,
      name: span.name,
      service: String(resource['service.name'] ?? 'gateway'),
      instance: String(resource['service.instance.id'] ?? ''),
      kind: KINDS[span.kind] ?? 'internal',
      startMs: millis(span.startTime),
      endMs: millis(span.endTime),
      status: STATUSES[span.status.code] ?? 'unset',
      ...(span.status.message ? { statusMessage: span.status.message } : {}),
      attributes: flat(span.attributes),
      events: span.events.map((event) => ({ name: event.name, timeMs: millis(event.time), attributes: flat(event.attributes ?? {}) })),
    };
    this.store.add([stored]);
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
