import type { App } from '@microshop/kit';
import { buildService } from '@microshop/runtime';
import type { ShippingConfig } from './config.js';
import { migrations } from './data/migrations/index.js';
import type { ShippingDatabase } from './data/schema.js';
import { onOrderConfirmed } from './events/on-order-confirmed.js';
import { Flights } from './flights.js';
import { deliveryRoutes } from './routes/deliveries.js';

/** Builds shipping: the drone fleet, a delivery per confirmed order, and the simulated flights. */
export async function buildApp(config: ShippingConfig): Promise<App> {
  const { app } = await buildService<ShippingDatabase>({
    config,
    migrations,
    title: 'Microshop shipping',
    description: 'Drone deliveries, in the style of the Azure drone delivery reference.',
    setup({ app, database, bus }) {
      bus.on('orders.order.confirmed', onOrderConfirmed(config.timeScale));
      deliveryRoutes(app, database.db);
      const flights = new Flights(database.db, bus, app.log);
      flights.start();
      app.addHook('preClose', () => flights.stop());
    },
  });
  return app;
}
