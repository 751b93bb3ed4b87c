import type { App } from '@microshop/kit';
import { buildService } from '@microshop/runtime';
import type { NotificationsConfig } from './config.js';
import { migrations } from './data/migrations/index.js';
import type { NotificationsDatabase } from './data/schema.js';
import { orderCancelled } from './functions/order-cancelled.js';
import { orderConfirmed } from './functions/order-confirmed.js';
import { orderDelivered } from './functions/order-delivered.js';
import { notificationRoutes } from './routes/notifications.js';

/** Builds notifications: one small function per event type, in the style of serverless triggers. */
export async function buildApp(config: NotificationsConfig): Promise<App> {
  const { app } = await buildService<NotificationsDatabase>({
    config,
    migrations,
    title: 'Microshop notifications',
    description: 'The messages each user was sent.',
    setup({ app, database, bus }) {
      bus.on('orders.order.confirmed', orderConfirmed);
      bus.on('orders.order.cancelled', orderCancelled);
      bus.on('shipping.delivery.arrived', orderDelivered);
      notificationRoutes(app, database.db);
    },
  });
  return app;
}
