import { openDatabase } from '@microshop/data';
import { createTransport, EventBus } from '@microshop/messaging';
import { type App, createApp } from '@microshop/kit';
import type { CatalogConfig } from './config.js';
import { migrations } from './data/migrations/index.js';
import { ProductRepository } from './data/product-repository.js';
import type { CatalogDatabase } from './data/schema.js';
import { ProductWrites } from './events/product-writes.js';
import { adminProductRoutes } from './routes/admin-products.js';
import { categoryRoutes } from './routes/categories.js';
import { productRoutes } from './routes/products.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Product changes with their events (behind the admin routes). */
    productWrites: ProductWrites;
  }
}

/** Builds the catalog app on its own database (migrated and seeded); tests call this and inject. */
export async function buildApp(config: CatalogConfig): Promise<App> {
  const database = await openDatabase<CatalogDatabase>({
    service: config.service,
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    migrations,
  });
  const app = await createApp({
    service: config.service,
    instanceId: config.instanceId,
    logLevel: config.logLevel,
    title: 'Microshop catalog',
    description: 'Products and categories.',
    readiness: { database: () => database.ping(), bus: () => transport.ping() },
  });
  app.log.info({ engine: database.engine, location: database.location, applied: database.applied }, 'database ready');
  const transport = await createTransport({ bus: config.bus, dataDir: config.dataDir, name: config.instanceId, namespace: config.busNamespace });
  const bus = new EventBus<CatalogDatabase>(database.db, { service: config.service, transport, log: app.log });
  await bus.start();
  app.log.info({ transport: transport.kind }, 'event bus ready');
  const writes = new ProductWrites(bus);
  app.decorate('productWrites', writes);
  app.addHook('onClose', async () => {
    await bus.stop();
    await transport.close();
    await database.close();
  });

  const products = new ProductRepository(database.db);
  productRoutes(app, products);
  categoryRoutes(app, products);
  adminProductRoutes(app, writes);
  return app;
}
