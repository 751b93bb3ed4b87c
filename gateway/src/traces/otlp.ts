import type { operations } from '@microshop/contracts';
import type { StoredSpan } from './store.js';

/**
 * Reading OTLP/HTTP JSON trace exports (opentelemetry-proto's ExportTraceServiceRequest in its
 * JSON mapping: ids as hex, 64-bit integers as strings or numbers, enums as numbers or names).
 */

type Attributes = StoredSpan['attributes'];
type Scalar = string | number | boolean;

const KINDS: Record<string, operations.SpanKind> = {
  0: 'internal',
  1: 'internal',
  2: 'server',
  3: 'client',
  4: 'producer',
  5: 'consumer',
  SPAN_KIND_UNSPECIFIED: 'internal',
  SPAN_KIND_INTERNAL: 'internal',
  SPAN_KIND_SERVER: 'server',
  SPAN_KIND_CLIENT: 'client',
  SPAN_KIND_PRODUCER: 'producer',
  SPAN_KIND_CONSUMER: 'consumer',
};
const STATUSES: Record<string, StoredSpan['status']> = {
  0: 'unset',
  1: 'ok',
  2: 'error',
  STATUS_CODE_UNSET: 'unset',
  STATUS_CODE_OK: 'ok',
  STATUS_CODE_ERROR: 'error',
};
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
/** Kept per span: the rest of a span this large says nothing a waterfall can show. */
const MAX_ATTRIBUTES = 64;
const MAX_EVENTS = 32;
const MAX_STRING = 2_048;

export class OtlpError extends Error {}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function scalar(value: unknown): Scalar | Scalar[] | undefined {
  const any = record(value);
  if (!any) return undefined;
  if (typeof any.stringValue === 'string') return any.stringValue.slice(0, MAX_STRING);
  if (typeof any.boolValue === 'boolean') return any.boolValue;
  if (typeof any.intValue === 'number' || typeof any.intValue === 'string') {
    const n = Number(any.intValue);
    return Number.isFinite(n) ? n : undefined;
  }
  if (typeof any.doubleValue === 'number') return any.doubleValue;
  const array = record(any.arrayValue);
  if (array) {
    const values = list(array.values).map(scalar);
    return values.every((v): v is Scalar => v !== undefined && !Array.isArray(v)) ? values : undefined;
  }
  return undefined;
}

function attributes(value: unknown): Attributes {
  const out: Attributes = {};
  let count = 0;
  for (const item of list(value)) {
    const kv = record(item);
    if (!kv || typeof kv.key !== 'string' || count >= MAX_ATTRIBUTES) continue;
    const v = scalar(kv.value);
    if (v === undefined) continue;
    out[kv.key] = v;
    count++;
  }
  return out;
}

/** Unix nanoseconds (a decimal string or a number) as epoch milliseconds with microsecond precision. */
function millis(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value / 1e6;
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return Number(BigInt(value) / 1000n) / 1000;
  return undefined;
}

/**
 * The spans of one export that `service` may report: those its resource names as that service
 * (a service speaks only for itself). Malformed spans are counted as rejected, never stored.
 */
export function readOtlpJson(body: unknown, service: string): { spans: StoredSpan[]; rejected: number } {
  const root = record(body);
  if (!root || !Array.isArray(root.resourceSpans)) throw new OtlpError('The body must be an OTLP ExportTraceServiceRequest in JSON, with resourceSpans');
  const spans: StoredSpan[] = [];
  let rejected = 0;
  for (const resourceSpans of root.resourceSpans) {
    const resource = attributes(record(record(resourceSpans)?.resource)?.attributes);
    const scopes = list(record(resourceSpans)?.scopeSpans);
    const named = resource['service.name'];
    const instance = typeof resource['service.instance.id'] === 'string' ? resource['service.instance.id'] : String(named ?? service);
    for (const scope of scopes) {
      for (const item of list(record(scope)?.spans)) {
        const span = named === service ? readSpan(item, service, instance) : undefined;
        if (span) spans.push(span);
        else rejected++;
      }
    }
  }
  return { spans, rejected };
}

function readSpan(value: unknown, service: string, instance: string): StoredSpan | undefined {
  const span = record(value);
  if (!span) return undefined;
  const { traceId, spanId, parentSpanId, name } = span;
  if (typeof traceId !== 'string' || !TRACE_ID.test(traceId) || typeof spanId !== 'string' || !SPAN_ID.test(spanId)) return undefined;
  const parent = parentSpanId === undefined || parentSpanId === '' ? null : parentSpanId;
  if (parent !== null && (typeof parent !== 'string' || !SPAN_ID.test(parent))) return undefined;
  if (typeof name !== 'string' || name.length === 0) return undefined;
  const startMs = millis(span.startTimeUnixNano);
  const endMs = millis(span.endTimeUnixNano);
  if (startMs === undefined || endMs === undefined || endMs < startMs) return undefined;
  const kind = KINDS[String(span.kind ?? 0)];
  if (!kind) return undefined;
  const statusRecord = record(span.status);
  const status = STATUSES[String(statusRecord?.code ?? 0)] ?? 'unset';
  const statusMessage = typeof statusRecord?.message === 'string' && statusRecord.message ? statusRecord.message.slice(0, MAX_STRING) : undefined;
  const events = list(span.events)
    .slice(0, MAX_EVENTS)
    .flatMap((item) => {
      const event = record(item);
      const timeMs = millis(event?.timeUnixNano);
      if (!event || typeof event.name !== 'string' || timeMs === undefined) return [];
      return [{ name: event.name.slice(0, MAX_STRING), timeMs, attributes: attributes(event.attributes) }];
    });
  return {
    traceId,
    spanId,
    parentSpanId: parent,
    name: name.slice(0, MAX_STRING),
    service,
    instance,
    kind,
    startMs,
    endMs,
    status,
    ...(statusMessage ? { statusMessage } : {}),
    attributes: attributes(span.attributes),
    events,
  };
}
