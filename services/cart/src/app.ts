import type { App } from '@microshop/kit';
import { buildService } from '@microshop/runtime';
import type { CartConfig } from './config.js';
import { CartRepository } from './data/cart-repository.js';
import { migrations } from './data/migrations/index.js';
import type { CartDatabase } from './data/schema.js';
import { onOrderPlaced } from './events/on-order-placed.js';
import { onProductDeleted } from './events/on-product-deleted.js';
import { onProductUpserted } from './events/on-product-upserted.js';
import { cartRoutes } from './routes/cart.js';

/** Builds the cart app; it answers from its own database even while the catalog is down. */
export async function buildApp(config: CartConfig): Promise<App> {
  const { app } = await buildService<CartDatabase>({
    config,
    migrations,
    title: 'Microshop cart',
    description: 'Each signed-in user’s cart, priced from the cart’s own copy of the catalog.',
    setup({ app, database, bus }) {
      bus.on('catalog.product.upserted', onProductUpserted);
      bus.on('catalog.product.deleted', onProductDeleted);
      bus.on('orders.order.placed', onOrderPlaced);
      cartRoutes(app, new CartRepository(database.db, config.currency), config.currency);
    },
  });
  return app;
}
