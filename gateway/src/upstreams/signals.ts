import type { Upstreams } from '@microshop/kit';
import type { TrafficSampler } from './sampler.js';

/** The message the gateway sends its runner after every traffic sample. */
export const SIGNALS_MESSAGE = 'microshop.signals';

export interface ServiceSignals {
  instances: number;
  /** Requests in flight to its instances when the sample was taken. */
  inflight: number;
  p95Ms: number | null;
  rps: number;
  errorRate: number;
}

/**
 * Tells the local runner, over its IPC channel, what the gateway sees of each service after every
 * sample: requests in flight, p95 and rates (the runner's autoscaler decides from them). Nothing
 * happens without a runner (on Kubernetes the autoscaler reads /metrics instead).
 */
export function reportToRunner(sampler: TrafficSampler, upstreams: Upstreams): void {
  if (typeof process.send !== 'function') return;
  sampler.listeners.push(() => {
    if (!process.connected) return;
    const services: Record<string, ServiceSignals> = {};
    for (const pool of upstreams.pools.values()) {
      const point = sampler.latest(pool.name);
      services[pool.name] = {
        instances: pool.instances.length,
        inflight: pool.instances.reduce((sum, instance) => sum + instance.inflight, 0),
        p95Ms: point?.p95Ms ?? null,
        rps: point?.rps ?? 0,
        errorRate: point?.errorRate ?? 0,
      };
    }
    process.send?.({ type: SIGNALS_MESSAGE, services }, undefined, {}, () => {});
  });
}
