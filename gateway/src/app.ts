import { type App, createApp } from '@microshop/kit';
import type { GatewayConfig } from './config.js';
import { SERVICES } from './route-table.js';
import { docsRoutes } from './routes/docs.js';
import { landingRoute } from './routes/landing.js';
import { proxyRoutes } from './routes/proxy.js';
import { Upstreams } from './upstreams/pool.js';

/** The single entry point: routes `/api/*` by prefix to the owning service's healthy instances. */
export async function buildGateway(config: GatewayConfig): Promise<App> {
  // The pools log through the app's logger, so they are made after the app that reports on them.
  const ref: { upstreams?: Upstreams } = {};
  const app = await createApp({
    service: 'gateway',
    instanceId: config.instanceId,
    logLevel: config.logLevel,
    openapi: false,
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
  const upstreams = new Upstreams(config.upstreams, app.log);
  ref.upstreams = upstreams;
  await upstreams.checkAll();
  upstreams.start(config.healthIntervalMs);
  app.addHook('onClose', async () => upstreams.stop());

  await proxyRoutes(app, upstreams, config);
  docsRoutes(app, upstreams);
  landingRoute(app);
  return app;
}
