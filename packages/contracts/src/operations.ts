import { type Static, Type } from 'typebox';

/** What the gateway serves to the operations dashboard (`/ops`): admin only. */

export const BreakerState = Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open'), Type.Literal('isolated')]);
export type BreakerState = Static<typeof BreakerState>;

const Rate = Type.Number({ minimum: 0 });
/** A share of requests that failed, 0..1. */
const Share = Type.Number({ minimum: 0, maximum: 1 });
const Milliseconds = Type.Union([Type.Number({ minimum: 0 }), Type.Null()]);

export const InstanceTraffic = Type.Object({
  id: Type.String(),
  url: Type.String(),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  healthy: Type.Boolean(),
  /** Why the gateway holds the instance unhealthy; null while it is healthy. */
  reason: Type.Union([Type.String(), Type.Null()]),
  requestsPerSecond: Rate,
  errorRate: Share,
});
export type InstanceTraffic = Static<typeof InstanceTraffic>;

/** One sampling interval of a service's traffic through the gateway. */
export const TrafficPoint = Type.Object({
  /** When the interval ended, epoch ms. */
  t: Type.Number(),
  rps: Rate,
  errorRate: Share,
  /** Null when nothing was answered in the interval. */
  p95Ms: Milliseconds,
});
export type TrafficPoint = Static<typeof TrafficPoint>;

export const ServiceOverview = Type.Object({
  name: Type.String(),
  breaker: BreakerState,
  requestsPerSecond: Rate,
  errorRate: Share,
  p95Ms: Milliseconds,
  instances: Type.Array(InstanceTraffic),
  history: Type.Array(TrafficPoint),
  /** The service's event consumers: null when no instance answered in time. */
  bus: Type.Union([Type.Object({ pending: Type.Integer({ minimum: 0 }), deadLetters: Type.Integer({ minimum: 0 }) }), Type.Null()]),
});
export type ServiceOverview = Static<typeof ServiceOverview>;

/** GET /api/admin/overview. */
export const AdminOverview = Type.Object({
  at: Type.String({ format: 'date-time' }),
  intervalMs: Type.Integer({ minimum: 1 }),
  services: Type.Array(ServiceOverview),
});
export type AdminOverview = Static<typeof AdminOverview>;

export const DeadLetterView = Type.Object({
  service: Type.String(),
  /** The bus's id of the letter, for replay. */
  id: Type.String(),
  group: Type.String(),
  type: Type.String(),
  eventId: Type.Optional(Type.String()),
  reason: Type.String(),
  attempts: Type.Integer({ minimum: 0 }),
});
export type DeadLetterView = Static<typeof DeadLetterView>;

/** GET /api/admin/dead-letters: every service's, and the services that could not be asked. */
export const DeadLetterList = Type.Object({
  items: Type.Array(DeadLetterView),
  unavailable: Type.Array(Type.String()),
});
export type DeadLetterList = Static<typeof DeadLetterList>;

/**
 * A fault the gateway injects into one service's requests (like Envoy's fault filter): a share
 * delayed, a share answered at once with an error status instead of being forwarded.
 */
export const FaultSettings = Type.Object(
  {
    delayMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
    delayPercent: Type.Number({ minimum: 0, maximum: 100, default: 0 }),
    abortStatus: Type.Integer({ minimum: 400, maximum: 599, default: 503 }),
    abortPercent: Type.Number({ minimum: 0, maximum: 100, default: 0 }),
  },
  { additionalProperties: false },
);
export type FaultSettings = Static<typeof FaultSettings>;

export const FaultView = Type.Object({ service: Type.String(), ...FaultSettings.properties });
export type FaultView = Static<typeof FaultView>;

/** GET /api/admin/faults: the faults now injected, one per service at most (none by default). */
export const FaultList = Type.Object({ items: Type.Array(FaultView) });
export type FaultList = Static<typeof FaultList>;

/** The span attribute naming the order a span handled: `GET /api/admin/traces?orderId=` finds traces by it. */
export const ORDER_ID_ATTRIBUTE = 'microshop.order_id';

/** The kinds of span (OpenTelemetry's, in lower case). */
export const SpanKind = Type.Union([
  Type.Literal('server'),
  Type.Literal('client'),
  Type.Literal('producer'),
  Type.Literal('consumer'),
  Type.Literal('internal'),
]);
export type SpanKind = Static<typeof SpanKind>;

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const AttributeValue = Type.Union([Scalar, Type.Array(Scalar)]);

/** One span as the built-in trace store keeps it (SPEC §5b). */
export const SpanView = Type.Object({
  traceId: Type.String({ pattern: '^[0-9a-f]{32}$' }),
  spanId: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  /** Null for a trace's root. */
  parentSpanId: Type.Union([Type.String({ pattern: '^[0-9a-f]{16}$' }), Type.Null()]),
  name: Type.String(),
  service: Type.String(),
  /** The process instance that recorded it. */
  instance: Type.String(),
  kind: SpanKind,
  startTime: Type.String({ format: 'date-time' }),
  /** Milliseconds from the trace's first span to this one's start. */
  offsetMs: Type.Number({ minimum: 0 }),
  durationMs: Type.Number({ minimum: 0 }),
  status: Type.Union([Type.Literal('unset'), Type.Literal('ok'), Type.Literal('error')]),
  /** The status description of a span that failed. */
  statusMessage: Type.Optional(Type.String()),
  attributes: Type.Record(Type.String(), AttributeValue),
  events: Type.Array(Type.Object({ name: Type.String(), offsetMs: Type.Number(), attributes: Type.Record(Type.String(), AttributeValue) })),
});
export type SpanView = Static<typeof SpanView>;

/** GET /api/admin/traces/:traceId. */
export const TraceView = Type.Object({
  traceId: Type.String(),
  spans: Type.Array(SpanView),
});
export type TraceView = Static<typeof TraceView>;

export const TraceSummary = Type.Object({
  traceId: Type.String(),
  /** The root span's name, or the earliest span's while the root has not arrived. */
  rootName: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  durationMs: Type.Number({ minimum: 0 }),
  services: Type.Array(Type.String()),
  spanCount: Type.Integer({ minimum: 0 }),
  error: Type.Boolean(),
  /** The orders its spans handled. */
  orderIds: Type.Array(Type.String()),
});
export type TraceSummary = Static<typeof TraceSummary>;

/** GET /api/admin/traces: newest first. */
export const TraceList = Type.Object({ items: Type.Array(TraceSummary) });
export type TraceList = Static<typeof TraceList>;

export const TraceQuery = Type.Object({
  orderId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  service: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9-]*$' })),
  error: Type.Optional(Type.Boolean()),
  minDurationMs: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400_000 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});
export type TraceQuery = Static<typeof TraceQuery>;

/** One edge of the service map: calls (HTTP) or events from one service to another, over the store's window. */
export const ServiceEdge = Type.Object({
  from: Type.String(),
  to: Type.String(),
  kind: Type.Union([Type.Literal('http'), Type.Literal('event')]),
  count: Type.Integer({ minimum: 0 }),
  errors: Type.Integer({ minimum: 0 }),
  perSecond: Rate,
  errorRate: Share,
});
export type ServiceEdge = Static<typeof ServiceEdge>;

/** GET /api/admin/service-map: the services and edges seen in the last `windowSeconds`. */
export const ServiceMap = Type.Object({
  windowSeconds: Type.Integer({ minimum: 1 }),
  services: Type.Array(Type.String()),
  edges: Type.Array(ServiceEdge),
});
export type ServiceMap = Static<typeof ServiceMap>;

/** One decision of the local runner's autoscaler (MICROSHOP_AUTOSCALE). */
export const ScalingDecision = Type.Object({
  at: Type.String(),
  service: Type.String(),
  from: Type.Integer(),
  to: Type.Integer(),
  reason: Type.String(),
});
export type ScalingDecision = Static<typeof ScalingDecision>;

/** What one side of a canary comparison did over a step: requests, failed ones, p95 of its last answers. */
export const CanaryCounts = Type.Object({ requests: Type.Integer(), failures: Type.Integer(), p95Ms: Type.Union([Type.Number(), Type.Null()]) });

/** A canary release on the local runner (`deploy <service>`), as it stands. */
export const ReleaseView = Type.Object({
  service: Type.String(),
  startedAt: Type.String(),
  script: Type.String(),
  canary: Type.Union([Type.String(), Type.Null()]),
  percent: Type.Number(),
  state: Type.String(),
  steps: Type.Array(
    Type.Object({ percent: Type.Number(), canary: CanaryCounts, stable: CanaryCounts, verdict: Type.String(), reason: Type.String() }),
  ),
  reason: Type.Union([Type.String(), Type.Null()]),
  endedAt: Type.Union([Type.String(), Type.Null()]),
});
export type ReleaseView = Static<typeof ReleaseView>;

/**
 * GET /api/admin/runner: what the local runner that started this gateway is doing to the shop's
 * instances: its autoscaler's bounds, decisions and instance counts over time (null when nothing is
 * autoscaled), and its canary releases. `runner` is false where no runner started the gateway
 * (on Kubernetes the cluster's autoscalers and rollouts do this).
 */
export const RunnerView = Type.Object({
  runner: Type.Boolean(),
  autoscale: Type.Union([
    Type.Object({
      bounds: Type.Record(Type.String(), Type.Object({ min: Type.Integer(), max: Type.Integer() })),
      decisions: Type.Array(ScalingDecision),
      history: Type.Array(Type.Object({ t: Type.Number(), instances: Type.Record(Type.String(), Type.Integer()) })),
    }),
    Type.Null(),
  ]),
  releases: Type.Array(ReleaseView),
});
export type RunnerView = Static<typeof RunnerView>;
