import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

// Services define their own metrics in the app's registry (`app.metricsRegistry`) with the kit's prom-client.
export { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface MetricsOptions {
  service: string;
  instanceId: string;
  /** What /metrics answers instead of the registry's own text, given the registry. */
  text?: ((registry: Registry) => () => Promise<string>) | undefined;
}

/** Request count and latency by route and status, plus the process's default metrics. */
export function installMetrics(app: FastifyInstance, options: MetricsOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service, instance: options.instanceId });
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters (promtool refuses them); the same figures are there by type.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency in seconds, by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route !== '/metrics') {
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      requests.inc(labels);
      duration.observe(labels, reply.elapsedTime / 1000);
    }
    done();
  });

  const text = options.text?.(registry) ?? (() => registry.metrics());
  app.get('/metrics', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return text();
  });
  return registry;
}
