import type { App } from '@microshop/kit';
import { buildService } from '@microshop/runtime';
import type { PaymentsConfig } from './config.js';
import { migrations } from './data/migrations/index.js';
import type { PaymentsDatabase } from './data/schema.js';
import { type PaymentProvider, SimulatedProvider } from './domain/provider.js';
import { onOrderCancelled } from './events/on-order-cancelled.js';
import { onOrderPlaced } from './events/on-order-placed.js';
import { onStockReserved } from './events/on-stock-reserved.js';
import { paymentRoutes } from './routes/payments.js';

/** Builds payments around a provider (the simulated one unless a test passes another). */
export async function buildApp(config: PaymentsConfig, provider: PaymentProvider = new SimulatedProvider()): Promise<App> {
  const { app } = await buildService<PaymentsDatabase>({
    config,
    migrations,
    title: 'Microshop payments',
    description: 'Payment attempts; only card brand and last 4 digits are ever stored.',
    setup({ app, database, bus }) {
      bus.on('orders.order.placed', onOrderPlaced);
      bus.on('inventory.stock.reserved', onStockReserved(provider));
      bus.on('orders.order.cancelled', onOrderCancelled(provider));
      paymentRoutes(app, database.db, provider);
    },
  });
  return app;
}
