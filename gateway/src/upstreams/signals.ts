import { recentP95, SIGNALS_MESSAGE, SIGNALS_REQUEST, type Upstreams } from '@microshop/kit';
import type { TrafficSampler } from './sampler.js';

export interface ServiceSignals {
  instances: number;
  /** Requests in flight to its instances when the sample was taken. */
  inflight: number;
  p95Ms: number | null;
  rps: number;
  errorRate: number;
  /** Each instance's counts since it joined and the p95 of its last answers (a canary's analysis). */
  each: Array<{ url: string; requests: number; failures: number; p95Ms: number | null; healthy: boolean }>;
}

/**
 * Tells the local runner, over its IPC channel, what the gateway sees of each service after every
 * sample: requests in flight, p95 and rates (the runner's autoscaler decides from them). Nothing
 * happens without a runner (on Kubernetes the autoscaler reads /metrics instead).
 */
export function reportToRunner(sampler: TrafficSampler, upstreams: Upstreams): void {
  if (typeof process.send !== 'function') return;
  const report = () => {
    if (!process.connected) return;
    const services: Record<string, ServiceSignals> = {};
    for (const pool of upstreams.pools.values()) {
      const point = sampler.ownLatest(pool.name);
      services[pool.name] = {
        instances: pool.instances.length,
        inflight: pool.instances.reduce((sum, instance) => sum + instance.inflight, 0),
        p95Ms: point?.p95Ms ?? null,
        rps: point?.rps ?? 0,
        errorRate: point?.errorRate ?? 0,
        each: pool.instances.map((i) => ({ url: i.url, requests: i.requests, failures: i.failures, p95Ms: recentP95(i), healthy: i.healthy })),
      };
    }
    process.send?.({ type: SIGNALS_MESSAGE, services }, undefined, {}, () => {});
  };
  sampler.listeners.push(report);
  // The runner asks between samples when it needs fresh counts (a canary under way).
  process.on('message', (message: unknown) => {
    if ((message as { type?: unknown } | null)?.type === SIGNALS_REQUEST) report();
  });
}

