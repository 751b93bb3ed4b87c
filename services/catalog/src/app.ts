import type { App } from '@microshop/kit';
import { buildService } from '@microshop/runtime';
import type { CatalogConfig } from './config.js';
import { catalogMigrations } from './data/migrations/index.js';
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
  const { app } = await buildService<CatalogDatabase>({
    config,
    migrations: catalogMigrations(config.currency),
    title: 'Microshop catalog',
    description: 'Products and categories.',
    setup({ app, database, bus }) {
      const products = new ProductRepository(database.db);
      const writes = new ProductWrites(bus, config.currency);
      app.decorate('productWrites', writes);
      productRoutes(app, products);
      categoryRoutes(app, products);
      adminProductRoutes(app, writes);
    },
  });
  return app;
}
