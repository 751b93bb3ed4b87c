import { Problem, shipping } from '@microshop/contracts';
import type { Kysely } from '@microshop/data';
import { type App, requireUser } from '@microshop/kit';
import type { ShippingDatabase } from '../data/schema.js';
import { shippingErrors } from '../errors.js';

export function deliveryRoutes(app: App, db: Kysely<ShippingDatabase>): void {
  app.get(
    '/api/deliveries/:orderId',
    {
      config: { access: 'user' },
      schema: {
        summary: 'Where an order’s drone is',
        tags: ['shipping'],
        security: [{ bearerAuth: [] }],
        params: shipping.DeliveryParams,
        response: { 200: shipping.Delivery, 401: Problem, 404: Problem },
      },
    },
    async (request) => {
      const user = requireUser(request);
      const row = await db.selectFrom('deliveries').selectAll().where('order_id', '=', request.params.orderId).where('user_id', '=', user.id).executeTakeFirst();
      if (!row) throw shippingErrors.DELIVERY_NOT_FOUND(`You have no delivery for order ${request.params.orderId}`);
      return { orderId: row.order_id, status: row.status, droneId: row.drone_id, eta: new Date(Number(row.arrive_at)).toISOString() };
    },
  );
}
