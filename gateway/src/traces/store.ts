import { operations } from '@microshop/contracts';

type Attributes = operations.SpanView['attributes'];

/** A finished span as received (from the gateway itself or over OTLP), times in epoch milliseconds. */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  service: string;
  instance: string;
  kind: operations.SpanKind;
  startMs: number;
  endMs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string;
  attributes: Attributes;
  events: Array<{ name: string; timeMs: number; attributes: Attributes }>;
}

interface Trace {
  traceId: string;
  spans: StoredSpan[];
  startMs: number;
  endMs: number;
  /** When its last span arrived: the age limit counts from here, so a trace still growing stays. */
  touchedMs: number;
  services: Set<string>;
  orderIds: Set<string>;
  error: boolean;
}

export interface TraceStoreOptions {
  /** Most spans kept in all; the traces that were first seen earliest go first. */
  maxSpans: number;
  /** A trace nothing was added to for this long is dropped. */
  maxAgeMs: number;
  now?: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * The built-in trace store: spans grouped by trace as they arrive (the spans of one trace come from
 * several processes, seconds apart), bounded by span count and age, searchable for `/ops`.
 */
export class TraceStore {
  /** In order of first arrival: the oldest traces are at the front, where eviction looks. */
  readonly #traces = new Map<string, Trace>();
  #spanCount = 0;
  #sweptMs = 0;
  readonly #now: () => number;

  constructor(private readonly options: TraceStoreOptions) {
    this.#now = options.now ?? Date.now;
  }

  get spanCount(): number {
    return this.#spanCount;
  }

  get traceCount(): number {
    return this.#traces.size;
  }

  add(spans: readonly StoredSpan[]): void {
    const now = this.#now();
    for (const span of spans) {
      let trace = this.#traces.get(span.traceId);
      if (!trace) {
        trace = {
          traceId: span.traceId,
          spans: [],
          startMs: span.startMs,
          endMs: span.endMs,
          touchedMs: now,
          services: new Set(),
          orderIds: new Set(),
          error: false,
        };
        this.#traces.set(span.traceId, trace);
      }
      trace.spans.push(span);
      trace.touchedMs = now;
      trace.startMs = Math.min(trace.startMs, span.startMs);
      trace.endMs = Math.max(trace.endMs, span.endMs);
      trace.services.add(span.service);
      const orderId = span.attributes[operations.ORDER_ID_ATTRIBUTE];
      if (typeof orderId === 'string') trace.orderIds.add(orderId);
      if (span.status === 'error') trace.error = true;
      this.#spanCount++;
    }
    this.prune();
  }

  /** Drops the earliest traces until the span limit holds, and (once a second) those over the age limit. */
  prune(): void {
    for (const [id, trace] of this.#traces) {
      if (this.#spanCount <= this.options.maxSpans) break;
      this.#drop(id, trace);
    }
    const now = this.#now();
    if (now - this.#sweptMs < 1_000) return;
    this.#sweptMs = now;
    const oldest = now - this.options.maxAgeMs;
    for (const [id, trace] of this.#traces) if (trace.touchedMs < oldest) this.#drop(id, trace);
  }

  #drop(id: string, trace: Trace): void {
    this.#traces.delete(id);
    this.#spanCount -= trace.spans.length;
  }

  /** Every span held, oldest traces first (what a new gateway process is given to start from). */
  spans(): StoredSpan[] {
    return [...this.#traces.values()].flatMap((trace) => trace.spans);
  }

  search(query: operations.TraceQuery): operations.TraceSummary[] {
    const limit = query.limit ?? 50;
    const found: operations.TraceSummary[] = [];
    // Newest first, by when each trace began.
    const traces = [...this.#traces.values()].sort((a, b) => b.startMs - a.startMs);
    for (const trace of traces) {
      if (query.orderId !== undefined && !trace.orderIds.has(query.orderId)) continue;
      if (query.service !== undefined && !trace.services.has(query.service)) continue;
      if (query.error !== undefined && trace.error !== query.error) continue;
      if (query.minDurationMs !== undefined && trace.endMs - trace.startMs < query.minDurationMs) continue;
      found.push(this.#summary(trace));
      if (found.length >= limit) break;
    }
    return found;
  }

  get(traceId: string): operations.TraceView | undefined {
    const trace = this.#traces.get(traceId);
    if (!trace) return undefined;
    const spans = [...trace.spans].sort((a, b) => a.startMs - b.startMs);
    return {
      traceId,
      spans: spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId,
        name: span.name,
        service: span.service,
        instance: span.instance,
        kind: span.kind,
        startTime: iso(span.startMs),
        offsetMs: round(span.startMs - trace.startMs),
        durationMs: round(Math.max(0, span.endMs - span.startMs)),
        status: span.status,
        ...(span.statusMessage ? { statusMessage: span.statusMessage } : {}),
        attributes: span.attributes,
        events: span.events.map((event) => ({ name: event.name, offsetMs: round(event.timeMs - trace.startMs), attributes: event.attributes })),
      })),
    };
  }

  /**
   * Who calls whom, drawn from the spans of the last `windowMs`: an edge per pair of services
   * where a span of one is the parent of a server span (an HTTP call) or a consumer span (an
   * event) of the other.
   */
  serviceMap(windowMs: number): operations.ServiceMap {
    const since = this.#now() - windowMs;
    const services = new Set<string>();
    const edges = new Map<string, operations.ServiceEdge>();
    for (const trace of this.#traces.values()) {
      if (trace.endMs < since) continue;
      const byId = new Map(trace.spans.map((span) => [span.spanId, span]));
      for (const span of trace.spans) {
        if (span.startMs < since) continue;
        services.add(span.service);
        if (span.kind !== 'server' && span.kind !== 'consumer') continue;
        const parent = span.parentSpanId === null ? undefined : byId.get(span.parentSpanId);
        if (!parent || parent.service === span.service) continue;
        const kind = span.kind === 'server' ? 'http' : 'event';
        const key = `${parent.service}>${span.service}>${kind}`;
        const edge = edges.get(key) ?? { from: parent.service, to: span.service, kind, count: 0, errors: 0, perSecond: 0, errorRate: 0 };
        edge.count++;
        if (span.status === 'error') edge.errors++;
        edges.set(key, edge);
      }
    }
    const seconds = Math.max(1, Math.round(windowMs / 1000));
    return {
      windowSeconds: seconds,
      services: [...services].sort(),
      edges: [...edges.values()]
        .map((edge) => ({ ...edge, perSecond: edge.count / seconds, errorRate: edge.count === 0 ? 0 : edge.errors / edge.count }))
        .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.kind.localeCompare(b.kind)),
    };
  }

  #summary(trace: Trace): operations.TraceSummary {
    const root = trace.spans.find((span) => span.parentSpanId === null) ?? trace.spans.reduce((a, b) => (b.startMs < a.startMs ? b : a));
    return {
      traceId: trace.traceId,
      rootName: root.name,
      startedAt: iso(trace.startMs),
      durationMs: round(trace.endMs - trace.startMs),
      services: [...trace.services].sort(),
      spanCount: trace.spans.length,
      error: trace.error,
      orderIds: [...trace.orderIds],
    };
  }
}
