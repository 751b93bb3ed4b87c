import { type App, discoverUpstreams, ServiceClient } from '@microshop/kit';
import { buildService } from '@microshop/runtime';
import { Checkout } from './checkout.js';
import { SettleDeadline } from './deadline.js';
import type { OrdersConfig } from './config.js';
import { migrations } from './data/migrations/index.js';
import { OrderRepository } from './data/order-repository.js';
import type { OrdersDatabase } from './data/schema.js';
import { onDeliveryArrived, onDeliveryDeparted, onPaymentFailed, onPaymentSucceeded, onStockRejected } from './events/saga.js';
import { orderMetrics } from './metrics.js';
import { orderRoutes } from './routes/orders.js';

/** Builds orders: checkout, order history, and the order's side of the checkout saga. */
export async function buildApp(config: OrdersConfig): Promise<App> {
  const { app } = await buildService<OrdersDatabase>({
    config,
    migrations,
    title: 'Microshop orders',
    description: 'Checkout from the cart, orders and their status history.',
    async setup({ app, trust, database, bus }) {
      const metrics = orderMetrics(app.metricsRegistry, config.currency);
      bus.on('inventory.stock.rejected', onStockRejected(metrics));
      bus.on('payments.payment.succeeded', onPaymentSucceeded(metrics));
      bus.on('payments.payment.failed', onPaymentFailed(metrics));
      bus.on('shipping.delivery.departed', onDeliveryDeparted(metrics));
      bus.on('shipping.delivery.arrived', onDeliveryArrived(metrics));
      // Cart and payments as they are now: instances the runner adds or removes join or leave the pool.
      const upstreams = await discoverUpstreams(app, config.upstreams, ['cart', 'payments']);
      const repository = new OrderRepository(database.db);
      const checkout = new Checkout(
        bus,
        repository,
        new ServiceClient('cart', upstreams, trust),
        new ServiceClient('payments', upstreams, trust),
        config.currency,
        metrics,
      );
      orderRoutes(app, checkout, repository);
      const deadline = new SettleDeadline(database.db, bus, metrics, app.log, config.settleTimeoutMs);
      deadline.start();
      app.addHook('preClose', async () => deadline.stop());
    },
  });
  return app;
}
