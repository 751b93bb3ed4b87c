import type { App } from '@microshop/kit';
import { buildService } from '@microshop/runtime';
import type { InventoryConfig } from './config.js';
import { migrations } from './data/migrations/index.js';
import type { InventoryDatabase } from './data/schema.js';
import { StockRepository } from './data/stock-repository.js';
import { onOrderCancelled } from './events/on-order-cancelled.js';
import { onOrderPlaced } from './events/on-order-placed.js';
import { onProductUpserted } from './events/on-product-upserted.js';
import { stockRoutes } from './routes/stock.js';

/** Builds inventory: stock levels, and reservations made and released by the checkout saga. */
export async function buildApp(config: InventoryConfig): Promise<App> {
  const { app } = await buildService<InventoryDatabase>({
    config,
    migrations,
    retainedTables: [{ table: 'cancelled_orders', column: 'cancelled_at' }],
    title: 'Microshop inventory',
    description: 'Stock levels and the reservations orders make.',
    setup({ app, database, bus }) {
      bus.on('catalog.product.upserted', onProductUpserted(config.initialStock));
      bus.on('orders.order.placed', onOrderPlaced);
      bus.on('orders.order.cancelled', onOrderCancelled);
      stockRoutes(app, new StockRepository(database.db));
    },
  });
  return app;
}
