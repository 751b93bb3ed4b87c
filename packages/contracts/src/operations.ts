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
