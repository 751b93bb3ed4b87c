import { openDatabase } from '@microshop/data';
import { type App, createApp } from '@microshop/kit';
import type { CatalogConfig } from './config.js';
import { migrations } from './data/migrations/index.js';
import { ProductRepository } from './data/product-repository.js';
import type { CatalogDatabase } from './data/schema.js';
import { categoryRoutes } from './routes/categories.js';
import { productRoutes } from './routes/products.js';

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
    readiness: { database: () => database.ping() },
  });
  app.log.info({ engine: database.engine, location: database.location, applied: database.applied }, 'database ready');
  app.addHook('onClose', () => database.close());

  const products = new ProductRepository(database.db);
  productRoutes(app, products);
  categoryRoutes(app, products);
  return app;
}
