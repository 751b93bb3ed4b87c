import { type App, createApp, followRunner, Trust, Upstreams } from '@microshop/kit';
import type { GatewayConfig } from './config.js';
import { authenticate, routedPath } from './auth/authenticate.js';
import { SERVICES, serviceFor } from './route-table.js';
import { adminOverviewRoute } from './routes/admin-overview.js';
import { adminStatusRoute } from './routes/admin-status.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { faultRoutes } from './routes/faults.js';
import { runnerRoutes } from './routes/runner.js';
import { FaultInjector } from './faults.js';
import { edgeHeaders, rateLimits } from './routes/edge-limits.js';
import { homeRoute } from './routes/home.js';
import { upstreamMetrics } from './upstreams/metrics.js';
import { docsRoutes } from './routes/docs.js';
import { proxyRoutes } from './routes/proxy.js';
import { otlpReceiverRoute, traceRoutes } from './routes/traces.js';
import { installEdgeSpans } from './traces/edge-span.js';
import { TraceStore } from './traces/store.js';
import { webRoutes } from './routes/web.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TrafficSampler } from './upstreams/sampler.js';
import { reportToRunner } from './upstreams/signals.js';
import { clusterMetrics, gatewayProcesses, inCluster, shareSamples } from './cluster.js';

/** Routes the gateway answers itself under /api. */
const GATEWAY_API = new Set(['/api/home', '/api/admin/status', '/api/admin/overview', '/api/admin/dead-letters', '/api/admin/traces', '/api/admin/service-map', '/api/admin/faults', '/api/admin/runner']);
/** …and those with parameters (`.+`: the path is matched decoded, and an id may hold an escaped slash). */
const GATEWAY_API_PATTERN = /^\/api\/admin\/(dead-letters\/.+\/replay|traces\/[^/]+|faults\/[^/]+)$/;

/** The built-in trace store, bounded as configured. */
export function traceStoreFor(config: GatewayConfig): TraceStore {
  return new TraceStore({ maxSpans: config.tracesMaxSpans, maxAgeMs: config.tracesMaxAgeMinutes * 60_000 });
}

/** The single entry point: routes `/api/*` by prefix to the owning service's healthy instances. */
export async function buildGateway(config: GatewayConfig, options: { traces?: TraceStore; faults?: FaultInjector } = {}): Promise<App> {
  const faults = options.faults ?? new FaultInjector();
  // One of several gateway processes on the port (cluster.ts): limits divided, counts combined.
  const processes = inCluster() ? gatewayProcesses() : 1;
  const share = (limit: number) => Math.max(1, Math.ceil(limit / processes));
  // The pools log through the app's logger, so they are made after the app that reports on them.
  const ref: { upstreams?: Upstreams; checked?: boolean } = {};
  const app = await createApp({
    service: 'gateway',
    instanceId: config.instanceId,
    logLevel: config.logLevel,
    openapi: false,
    // Its own, leaner server span (traces/edge-span.ts).
    tracing: false,
    ...(config.tls ? { https: config.tls } : {}),
    trustedProxies: config.trustedProxies,
    ...(processes > 1 ? { reportedPid: process.ppid, metricsText: clusterMetrics } : {}),
    // Ready once every known instance has been checked once, whatever the answers: after that the
    // edge stays in its load balancer while services come and go (their 503s are its own answer).
    readiness: {
      upstreams: () => {
        if (!ref.checked) throw new Error('the first round of health checks is not finished');
      },
    },
    readinessDetails: () => ({
      services: Object.fromEntries(
        SERVICES.map((name) => {
          const pool = ref.upstreams?.pool(name);
          const healthy = pool?.healthyCount() ?? 0;
          return [name, { ready: healthy > 0, healthy, instances: pool?.instances.length ?? 0 }];
        }),
      ),
    }),
  });
  // The built-in trace store (SPEC §5b): the gateway's own spans and what services send.
  const traces = options.traces ?? traceStoreFor(config);
  installEdgeSpans(app);
  const upstreams = new Upstreams(config.upstreams, app.log);
  ref.upstreams = upstreams;
  // The first round (at most the check timeout, 800 ms) runs before the gateway listens, so no
  // request meets an instance whose health is unknown; /readyz says so explicitly as well.
  await upstreams.checkAll();
  ref.checked = true;
  upstreams.start(config.healthIntervalMs);
  app.addHook('onClose', async () => upstreams.stop());
  const metrics = upstreamMetrics(app.metricsRegistry, upstreams);
  const sampler = new TrafficSampler(upstreams, metrics.duration, config.sampleIntervalMs);
  sampler.start();
  app.addHook('onClose', async () => sampler.stop());
  reportToRunner(sampler, upstreams);
  if (processes > 1) {
    shareSamples(
      (send) => sampler.listeners.push(() => send(sampler.lastSample())),
      (from, payload) => sampler.addPeerSample(from, payload),
    );
  }
  // The local runner sends the new instance lists over its IPC channel when it scales a service.
  const unfollow = followRunner(upstreams);
  app.addHook('onClose', async () => unfollow());

  // Users are known by identity's tokens, checked against the trust bundle's keys; the gateway's
  // own key signs its calls to services' /internal routes.
  const trust = new Trust({ self: 'gateway', bundle: config.trust, privateKey: config.serviceKey });
  await edgeHeaders(app, config.corsOrigins);
  // The edge: who is calling, then limits, then the answer to who may do what, then the gateway's
  // own API routes and the proxy. A refused token is counted against its IP's limit before the 401,
  // so a client sending bad tokens is slowed down like any other.
  await app.register(async (edge) => {
    edge.decorateRequest('verifiedUser', null);
    edge.decorateRequest('authProblem', null);
    edge.addHook('preValidation', async (request) => {
      // Policies are decided on the path as the router and the services read it, escapes decoded.
      const path = routedPath(request.url);
      // Unknown paths stay a plain 404, signed in or not.
      if (serviceFor(path) === undefined && !GATEWAY_API.has(path) && !GATEWAY_API_PATTERN.test(path)) return;
      try {
        request.verifiedUser = await authenticate(request, trust, path);
      } catch (error) {
        request.authProblem = error instanceof Error ? error : new Error(String(error));
      }
    });
    rateLimits(edge, {
      enabled: config.rateLimit === 'on',
      perIp: share(config.rateLimitPerIp),
      perUser: share(config.rateLimitPerUser),
      signIn: share(config.rateLimitSignIn),
    });
    // The limiter runs as a route-level preValidation, after the scope's hooks: so does this one,
    // and both before the gateway's own routes validate their query (a 401 never turns into a 400).
    const refuse = (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
      if (request.authProblem) done(request.authProblem);
      else done();
    };
    edge.addHook('onRoute', (route) => {
      const existing = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
      route.preValidation = [...existing, refuse];
    });
    homeRoute(edge, upstreams);
    adminStatusRoute(edge, upstreams);
    adminOverviewRoute(edge, upstreams, trust, sampler, metrics.breaker);
    deadLetterRoutes(edge, upstreams, trust);
    traceRoutes(edge, traces);
    faultRoutes(edge, faults);
    runnerRoutes(edge);
    await proxyRoutes(edge, upstreams, metrics, config, faults);
  });
  await otlpReceiverRoute(app, traces, trust);
  docsRoutes(app, upstreams);
  await webRoutes(app, config.webDir);
  return app;
}
