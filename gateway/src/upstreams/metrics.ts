import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Upstreams } from '@microshop/kit';

/** Prometheus metrics per upstream service, in the gateway's registry. */
export function upstreamMetrics(registry: Registry, upstreams: Upstreams) {
  const requests = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'Requests the gateway sent to a service, by outcome',
    labelNames: ['service', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gateway_upstream_duration_seconds',
    help: 'Time from forwarding a request to its response headers, by service',
    labelNames: ['service'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'gateway_upstream_retries_total',
    help: 'Requests sent again to another instance',
    labelNames: ['service'] as const,
    registers: [registry],
  });
  const breaker = new Gauge({
    name: 'gateway_upstream_breaker_state',
    help: 'Circuit breaker per service: 0 closed, 1 open, 2 half-open, 3 isolated',
    labelNames: ['service'] as const,
    // Several gateway processes (cluster.ts): the state of one of them, never their sum.
    aggregator: 'max',
    registers: [registry],
  });
  new Gauge({
    name: 'gateway_upstream_instances',
    help: 'Instances per service, by health (ejected = marked down)',
    labelNames: ['service', 'state'] as const,
    aggregator: 'max',
    registers: [registry],
    collect() {
      for (const pool of upstreams.pools.values()) {
        const healthy = pool.healthyCount();
        this.set({ service: pool.name, state: 'healthy' }, healthy);
        this.set({ service: pool.name, state: 'ejected' }, pool.instances.length - healthy);
      }
    },
  });
  const faults = new Counter({
    name: 'gateway_faults_injected_total',
    help: 'Requests an admin-set fault delayed or aborted, by service and kind',
    labelNames: ['service', 'kind'] as const,
    registers: [registry],
  });
  return { requests, duration, retries, breaker, faults };
}

export type UpstreamMetrics = ReturnType<typeof upstreamMetrics>;
