import type { App } from '@microshop/kit';
import { buildService } from '@microshop/runtime';
import type { PaymentsConfig } from './config.js';
import { migrations } from './data/migrations/index.js';
import type { PaymentsDatabase } from './data/schema.js';
import { DatabaseLedger, type PaymentProvider, SimulatedProvider } from './domain/provider.js';
import { onOrderCancelled } from './events/on-order-cancelled.js';
import { onOrderPlaced } from './events/on-order-placed.js';
import { onStockReserved } from './events/on-stock-reserved.js';
import { paymentRoutes } from './routes/payments.js';
import { Settlement } from './settlement.js';

/**
 * Builds payments around a provider: the simulated one, keeping its ledger in payments' database,
 * unless a test passes another.
 */
export async function buildApp(config: PaymentsConfig, given?: PaymentProvider): Promise<App> {
  const { app } = await buildService<PaymentsDatabase>({
    config,
    migrations,
    // The simulated provider's idempotency keys expire too, as a real provider's do.
    retainedTables: [
      { table: 'cancelled_orders', column: 'cancelled_at' },
      { table: 'provider_ledger', column: 'created_at' },
    ],
    title: 'Microshop payments',
    description: 'Payment attempts; only card brand and last 4 digits are ever stored.',
    setup({ app, database, bus }) {
      const provider = given ?? new SimulatedProvider(new DatabaseLedger(database.db));
      const settlement = new Settlement(database.db, bus, provider, app.log);
      const settle = () => settlement.wake();
      bus.on('orders.order.placed', onOrderPlaced);
      bus.on('inventory.stock.reserved', onStockReserved(settle));
      bus.on('orders.order.cancelled', onOrderCancelled(settle));
      paymentRoutes(app, database.db, provider);
      settlement.start();
      app.addHook('preClose', async () => settlement.stop());
    },
  });
  return app;
}
