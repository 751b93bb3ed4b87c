import { operations } from '@microshop/contracts';
import type { App, Trust } from '@microshop/kit';
import { requireVerifiedAdmin } from '../auth/authenticate.js';
import { SERVICES } from '../route-table.js';
import { fetchPart, internalHeaders } from '../upstreams/fetch-part.js';
import type { UpstreamMetrics } from '../upstreams/metrics.js';
import type { Upstreams } from '@microshop/kit';
import { CircuitState } from '@microshop/kit';
import type { TrafficSampler } from '../upstreams/sampler.js';

type BreakerState = operations.BreakerState;

const BREAKER_STATES: Record<number, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * Each service's breaker as proxy.ts last reported it to its gauge. A service no request was
 * forwarded to yet has no breaker: closed.
 */
async function breakerStates(gauge: UpstreamMetrics['breaker']): Promise<Map<string, BreakerState>> {
  const states = new Map<string, BreakerState>();
  for (const { labels, value } of (await gauge.get()).values) {
    if (typeof labels.service === 'string') states.set(labels.service, BREAKER_STATES[value] ?? 'closed');
  }
  return states;
}

/** The backlog and dead letters of the service's consumer group, from one healthy instance; null when none answers in time. */
async function busOf(upstreams: Upstreams, trust: Trust, service: string): Promise<{ pending: number; deadLetters: number } | null> {
  const body = (await fetchPart(upstreams, service, '/internal/bus', await internalHeaders(trust, service))) as { pending?: unknown; deadLetters?: unknown } | undefined;
  const { pending, deadLetters } = body ?? {};
  return typeof pending === 'number' && typeof deadLetters === 'number' ? { pending, deadLetters } : null;
}

/**
 * GET /api/admin/overview (admin): the operations dashboard's one call. Traffic figures come from
 * the sampler's memory; only the bus figures are asked of the services, in parallel and with the
 * fan-out's short timeout, so the answer stays fast while services are down.
 */
export function adminOverviewRoute(app: App, upstreams: Upstreams, trust: Trust, sampler: TrafficSampler, breaker: UpstreamMetrics['breaker']): void {
  app.get('/api/admin/overview', { schema: { response: { 200: operations.AdminOverview } } }, async (request): Promise<operations.AdminOverview> => {
    requireVerifiedAdmin(request);
    const [breakers, buses] = await Promise.all([breakerStates(breaker), Promise.all(SERVICES.map((name) => busOf(upstreams, trust, name)))]);
    return {
      at: new Date().toISOString(),
      intervalMs: sampler.intervalMs,
      services: SERVICES.map((name, index) => {
        const latest = sampler.latest(name);
        return {
          name,
          breaker: breakers.get(name) ?? 'closed',
          requestsPerSecond: latest?.rps ?? 0,
          errorRate: latest?.errorRate ?? 0,
          p95Ms: latest?.p95Ms ?? null,
          instances: (upstreams.pool(name)?.instances ?? []).map((instance) => ({
            id: instance.id,
            url: instance.url,
            pid: instance.pid ?? null,
            healthy: instance.healthy,
            reason: instance.reason ?? null,
            ...sampler.rates(instance),
          })),
          history: sampler.history(name),
          bus: buses[index] ?? null,
        };
      }),
    };
  });
}
