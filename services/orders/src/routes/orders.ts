import { orders, Problem } from '@microshop/contracts';
import { type App, requireUser, traceContext } from '@microshop/kit';
import type { Checkout } from '../checkout.js';
import type { OrderRepository } from '../data/order-repository.js';
import { orderErrors } from '../errors.js';

const KEY = /^[A-Za-z0-9._:-]{1,128}$/;
const security = [{ bearerAuth: [] }];

export function orderRoutes(app: App, checkout: Checkout, repository: OrderRepository): void {
  app.post(
    '/api/orders',
    {
      config: { access: 'user' },
      schema: {
        summary: 'Place an order from the cart (send an Idempotency-Key header)',
        tags: ['orders'],
        security,
        body: orders.PlaceOrderBody,
        response: { 202: orders.Order, 400: Problem, 401: Problem, 422: Problem, 503: Problem },
      },
    },
    async (request, reply) => {
      const user = requireUser(request);
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || !KEY.test(key)) {
        throw orderErrors.MISSING_IDEMPOTENCY_KEY('Send an Idempotency-Key header (1-128 letters, digits or ._:-)', {
          errors: [{ path: 'headers.idempotency-key', message: key === undefined ? 'is required' : 'is not a valid key' }],
        });
      }
      const order = await checkout.place({ user, token: request.caller.token ?? '' }, key, request.body, traceContext(request));
      return reply.code(202).send(order);
    },
  );

  app.get(
    '/api/orders',
    { config: { access: 'user' }, schema: { summary: 'The signed-in user’s orders, newest first', tags: ['orders'], security, response: { 200: orders.OrderList, 401: Problem } } },
    async (request) => ({ items: await repository.forUser(requireUser(request).id) }),
  );

  app.get(
    '/api/orders/:id',
    {
      config: { access: 'user' },
      schema: {
        summary: 'One of the signed-in user’s orders',
        tags: ['orders'],
        security,
        params: orders.OrderParams,
        response: { 200: orders.Order, 401: Problem, 404: Problem },
      },
    },
    async (request) => {
      const order = await repository.ownedBy(request.params.id, requireUser(request).id);
      if (!order) throw orderErrors.ORDER_NOT_FOUND(`You have no order ${request.params.id}`);
      return order;
    },
  );
}
